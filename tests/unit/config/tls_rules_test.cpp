// TLS: where a type takes it, tls.required, versions, both forms of ciphers, and files that must
// exist (relative to the configuration file's folder).
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::has_error;
using test::has_error_under;
using test::load;

// ---- where TLS is taken ----

TEST(TlsPlacement, RefusedForTypesWithoutTls) {
  const std::pair<const char*, const char*> cases[] = {
      {"redis", ""},
      {"elastic", ""},
      {"rabbit", ""},
      {"rdbms", "driver = \"odbc\"\nsettings = \"DSN=x\"\n"},
  };
  for (const auto& [type, body] : cases) {
    const std::string table = std::string("[outgoing_pools.") + type + ".default.connection.tls]";
    const std::string text = std::string("[outgoing_pools.") + type + ".default.connection]\n" +
                             body + table + "\nverify_peer = false\n";
    const load_result r = load(text);
    EXPECT_TRUE(r.has_errors()) << type << "\n" << test::dump(r);
    EXPECT_TRUE(has_error(r, text,
                          std::string("outgoing_pools.") + type + ".default.connection.tls", table))
        << type;
  }
}

TEST(TlsPlacement, LdapTlsOnlyWithEncryptTls) {
  constexpr std::string_view text = R"(
[outgoing_pools.ldap.default.connection]
  servers = ["ldap_one"]
  [outgoing_pools.ldap.default.connection.tls]
    verify_peer = false
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.ldap.default.connection.tls",
                      "[outgoing_pools.ldap.default.connection.tls]");
}

TEST(TlsPlacement, LdapTlsRefusedWithEncryptNone) {
  constexpr std::string_view text = R"(
[outgoing_pools.ldap.default.connection]
  encrypt = "none"
  tls.verify_peer = false
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(
      has_error_under(r, text, "outgoing_pools.ldap.default.connection.tls", "tls.verify_peer"));
}

TEST(TlsPlacement, HttpTlsOnlyWithHttps) {
  constexpr std::string_view text = R"(
[outgoing_pools.http.default.connection]
  host = "http://server.com"
  [outgoing_pools.http.default.connection.tls]
    verify_peer = false
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.http.default.connection.tls",
                      "[outgoing_pools.http.default.connection.tls]");
}

TEST(TlsPlacement, AcceptedWherePromised) {
  EXPECT_CONFIG_VALID(R"(
[outgoing_pools.http.default.connection]
  host = "https://server.com"
  tls.verify_peer = false
[outgoing_pools.rdbms.pg.connection]
  driver = "pgsql"
  host = "h"
  database = "d"
  username = "u"
  password = "p"
  tls.required = true
[outgoing_pools.rdbms.my.connection]
  driver = "mysql"
  host = "h"
  database = "d"
  username = "u"
  password = "p"
  tls.verify_peer = false
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  tls.server_name_indication = false
[outgoing_pools.cassandra.default.connection]
  tls.versions = ["tlsv1.3"]
[outgoing_pools.ldap.default.connection]
  encrypt = "tls"
  tls.verify_peer = false
)");
}

TEST(TlsPlacement, PgsqlTlsTableTurnsTlsOnWithRequired) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rdbms.default.connection]
  driver = "pgsql"
  host = "h"
  database = "d"
  username = "u"
  password = "p"
  [outgoing_pools.rdbms.default.connection.tls]
    required = true
)");
  const pool_spec& p = test::only_pool(r.config);
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_TRUE(p.tls->required);
  EXPECT_FALSE(p.tls->verify_peer);
  ASSERT_NE(p.tls_document, nullptr);
}

TEST(TlsRequired, OnlyForPgsql) {
  const std::pair<const char*, const char*> cases[] = {
      {"rdbms",
       "driver = \"mysql\"\nhost = \"h\"\ndatabase = \"d\"\nusername = \"u\"\npassword = \"p\"\n"},
      {"http", "host = \"https://server.com\"\n"},
      {"riak", "address = \"127.0.0.1\"\n"},
      {"cassandra", ""},
      {"ldap", "encrypt = \"tls\"\n"},
  };
  for (const auto& [type, body] : cases) {
    const std::string text = std::string("[outgoing_pools.") + type + ".default.connection]\n" +
                             body + "tls.required = true\n";
    const load_result r = load(text);
    EXPECT_TRUE(has_error(
        r, text, std::string("outgoing_pools.") + type + ".default.connection.tls.required",
        "tls.required"))
        << type;
  }
}

TEST(TlsCiphers, HaveNoEffectForPgsqlAndSaySo) {
  const std::string head =
      "[outgoing_pools.rdbms.default.connection]\nhost = \"h\"\ndatabase = \"d\"\n"
      "username = \"u\"\npassword = \"p\"\n";
  const load_result pgsql = load(head + "driver = \"pgsql\"\ntls.ciphers = \"HIGH\"\n");
  EXPECT_FALSE(pgsql.has_errors()) << test::dump(pgsql);
  const auto warnings = test::of_level(pgsql, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(pgsql);
  EXPECT_EQ(warnings[0].path, "outgoing_pools.rdbms.default.connection.tls.ciphers");
  EXPECT_NE(warnings[0].message.find("no effect with driver = \"pgsql\""), std::string::npos)
      << warnings[0].message;
  // mysql applies them (MYSQL_OPT_SSL_CIPHER): no warning.
  const load_result mysql = load(head + "driver = \"mysql\"\ntls.ciphers = \"HIGH\"\n");
  EXPECT_FALSE(mysql.has_errors()) << test::dump(mysql);
  EXPECT_TRUE(test::of_level(mysql, diagnostic::level::warning).empty()) << test::dump(mysql);
}

// ---- values ----

constexpr std::string_view https_head =
    "[outgoing_pools.http.default.connection]\nhost = \"https://server.com\"\n"
    "[outgoing_pools.http.default.connection.tls]\n";
constexpr std::string_view tls_path = "outgoing_pools.http.default.connection.tls.";

const pool_spec* load_https(const load_result& r) {
  EXPECT_FALSE(r.has_errors()) << test::dump(r);
  if (r.has_errors() || r.config.pools.size() != 1) return nullptr;
  return &r.config.pools.front();
}

TEST(TlsValues, SeedExampleFullTable) {
  test::temp_dir dir;
  dir.write("server.pem");
  dir.write("ca.pem");
  dir.write("dh.pem");
  dir.write("key.pem");
  const load_result r = load(std::string(https_head) + R"(
verify_peer = true
certfile = "server.pem"
cacertfile = "ca.pem"
dhfile = "dh.pem"
keyfile = "key.pem"
password = "secret"
ciphers = [{cipher = "aes_256_gcm", key_exchange = "ecdhe_rsa", mac = "aead", prf = "sha384"}]
versions = ["tlsv1.2", "tlsv1.3"]
server_name_indication = false
)",
                             dir.path());
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->tls.has_value());
  const tls_options& t = *p->tls;
  EXPECT_TRUE(t.verify_peer);
  EXPECT_EQ(t.certfile, dir.path() / "server.pem");
  EXPECT_EQ(t.cacertfile, dir.path() / "ca.pem");
  EXPECT_EQ(t.dhfile, dir.path() / "dh.pem");
  EXPECT_EQ(t.keyfile, dir.path() / "key.pem");
  ASSERT_TRUE(t.password.has_value());
  EXPECT_EQ(t.password->reveal(), "secret");
  EXPECT_EQ(t.cipher_list, "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(t.ciphersuites, "");
  EXPECT_EQ(t.versions, (std::vector{tls_version::tlsv1_2, tls_version::tlsv1_3}));
  EXPECT_FALSE(t.server_name_indication);
  ASSERT_NE(p->tls_document, nullptr);
}

TEST(TlsValues, SeedCipherExampleWithAnyIsATls13Suite) {
  // The seed's `{cipher = "aes_25_gcm", key_exchange = "any", ...}` repaired.
  const load_result r = load(std::string(https_head) +
                             "ciphers = [{cipher = \"aes_256_gcm\", key_exchange = \"any\", mac = "
                             "\"aead\", prf = \"sha384\"}]\n");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tls->ciphersuites, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(p->tls->cipher_list, "");
}

TEST(TlsValues, Defaults) {
  const load_result r = load(std::string(https_head) + "verify_peer = false\n");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  const tls_options& t = *p->tls;
  EXPECT_FALSE(t.required);
  EXPECT_FALSE(t.verify_peer);
  EXPECT_EQ(t.certfile, std::nullopt);
  EXPECT_EQ(t.cacertfile, std::nullopt);
  EXPECT_EQ(t.dhfile, std::nullopt);
  EXPECT_EQ(t.keyfile, std::nullopt);
  EXPECT_EQ(t.password, std::nullopt);
  EXPECT_EQ(t.cipher_list, "");
  EXPECT_EQ(t.ciphersuites, "");
  EXPECT_TRUE(t.versions.empty());
  EXPECT_TRUE(t.server_name_indication);
}

TEST(TlsValues, AllVersionNames) {
  const load_result r = load(std::string(https_head) +
                             "versions = [\"tlsv1\", \"tlsv1.1\", \"tlsv1.2\", \"tlsv1.3\"]\n");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tls->versions, (std::vector{tls_version::tlsv1, tls_version::tlsv1_1,
                                           tls_version::tlsv1_2, tls_version::tlsv1_3}));
}

TEST(TlsValues, UnknownVersionNamesTheElement) {
  const std::string text = std::string(https_head) + "versions = [\"tlsv1.2\", \"tlsv1.4\"]\n";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, std::string(tls_path) + "versions[1]", "versions ="));
}

TEST(TlsValues, VersionsMustBeAnArray) {
  const std::string text = std::string(https_head) + "versions = \"tlsv1.2\"\n";
  EXPECT_CONFIG_ERROR(text, std::string(tls_path) + "versions", "versions =");
}

TEST(TlsValues, BooleansMustBeBooleans) {
  for (const char* option : {"verify_peer", "server_name_indication"}) {
    const std::string text = std::string(https_head) + option + " = \"yes\"\n";
    EXPECT_CONFIG_ERROR(text, std::string(tls_path) + option, std::string(option) + " =");
  }
}

TEST(TlsValues, UnknownTlsKeySuggestsNearest) {
  const std::string text = std::string(https_head) + "verify_per = true\n";
  const load_result r = load(text);
  EXPECT_TRUE(
      has_error(r, text, std::string(tls_path) + "verify_per", "verify_per =", "verify_peer"));
}

// ---- ciphers, string form ----

TEST(TlsCiphers, StringFormSplitsTls13Suites) {
  const load_result r = load(std::string(https_head) +
                             "ciphers = \"ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_256_GCM_SHA384:"
                             "ECDHE-ECDSA-CHACHA20-POLY1305:TLS_CHACHA20_POLY1305_SHA256\"\n");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tls->cipher_list, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(p->tls->ciphersuites, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
}

TEST(TlsCiphers, StringFormAcceptsOpenSslKeywords) {
  const load_result r = load(std::string(https_head) + "ciphers = \"HIGH:!aNULL:!MD5\"\n");
  EXPECT_NE(load_https(r), nullptr);
}

TEST(TlsCiphers, StringFormAcceptsKnownClassesThatSelectNothingHere) {
  // RC4 and 3DES are OpenSSL cipher classes even where no such cipher is built (OpenSSL 3
  // without enable-weak-ssl-ciphers): excluding them is common and must not be an error.
  for (const char* ciphers :
       {"HIGH:!aNULL:!MD5:!RC4", "HIGH:!3DES:!DES", "ECDHE+AESGCM:-RC4", "HIGH:!ECDHE+3DES"}) {
    const load_result r = load(std::string(https_head) + "ciphers = \"" + ciphers + "\"\n");
    EXPECT_NE(load_https(r), nullptr) << ciphers << "\n" << test::dump(r);
  }
  const std::string text = std::string(https_head) + "ciphers = \"HIGH:!RC4+BOGUS\"\n";
  EXPECT_TRUE(has_error(load(text), text, std::string(tls_path) + "ciphers", "ciphers =", "BOGUS"));
}

TEST(TlsCiphers, StringFormUnknownNameIsNamed) {
  const std::string text =
      std::string(https_head) + "ciphers = \"ECDHE-RSA-AES256-GCM-SHA384:NOT-A-CIPHER\"\n";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, std::string(tls_path) + "ciphers", "ciphers =", "NOT-A-CIPHER"));
}

TEST(TlsCiphers, StringFormUnknownAmongKnownIsStillAnError) {
  // OpenSSL alone would skip the unknown name silently.
  const std::string text = std::string(https_head) + "ciphers = \"HIGH:AES512-GCM-SHA384\"\n";
  const load_result r = load(text);
  EXPECT_TRUE(
      has_error(r, text, std::string(tls_path) + "ciphers", "ciphers =", "AES512-GCM-SHA384"));
}

TEST(TlsCiphers, WrongTypeIsRefused) {
  const std::string text = std::string(https_head) + "ciphers = 5\n";
  EXPECT_CONFIG_ERROR(text, std::string(tls_path) + "ciphers", "ciphers =");
}

// ---- ciphers, table form ----

struct cipher_case {
  const char* entry;
  const char* expected_list;
  const char* expected_suites;
};

TEST(TlsCiphers, TableFormMapsEachEntryToOneSuite) {
  const cipher_case cases[] = {
      {R"({cipher = "aes_256_gcm", key_exchange = "ecdhe_rsa", mac = "aead", prf = "sha384"})",
       "ECDHE-RSA-AES256-GCM-SHA384", ""},
      {R"({cipher = "aes_128_gcm", key_exchange = "ecdhe_ecdsa", mac = "aead", prf = "sha256"})",
       "ECDHE-ECDSA-AES128-GCM-SHA256", ""},
      {R"({cipher = "aes_128_gcm", key_exchange = "dhe_rsa", mac = "aead", prf = "sha256"})",
       "DHE-RSA-AES128-GCM-SHA256", ""},
      {R"({cipher = "aes_256_gcm", key_exchange = "rsa", mac = "aead", prf = "sha384"})",
       "AES256-GCM-SHA384", ""},
      {R"({cipher = "aes_128_cbc", key_exchange = "ecdhe_rsa", mac = "sha"})",
       "ECDHE-RSA-AES128-SHA", ""},
      {R"({cipher = "aes_256_cbc", key_exchange = "rsa", mac = "sha256"})", "AES256-SHA256", ""},
      {R"({cipher = "aes_256_cbc", key_exchange = "ecdhe_ecdsa", mac = "sha384"})",
       "ECDHE-ECDSA-AES256-SHA384", ""},
      {R"({cipher = "chacha20_poly1305", key_exchange = "ecdhe_rsa", mac = "aead"})",
       "ECDHE-RSA-CHACHA20-POLY1305", ""},
      {R"({cipher = "aes_128_gcm", key_exchange = "any", mac = "aead", prf = "sha256"})", "",
       "TLS_AES_128_GCM_SHA256"},
      {R"({cipher = "chacha20_poly1305", key_exchange = "any", mac = "aead", prf = "sha256"})", "",
       "TLS_CHACHA20_POLY1305_SHA256"},
  };
  for (const cipher_case& c : cases) {
    const load_result r = load(std::string(https_head) + "ciphers = [" + c.entry + "]\n");
    const pool_spec* p = load_https(r);
    ASSERT_NE(p, nullptr) << c.entry;
    EXPECT_EQ(p->tls->cipher_list, c.expected_list) << c.entry;
    EXPECT_EQ(p->tls->ciphersuites, c.expected_suites) << c.entry;
  }
}

TEST(TlsCiphers, TableFormSeveralEntriesKeepOrder) {
  const load_result r = load(std::string(https_head) + R"(ciphers = [
  {cipher = "aes_256_gcm", key_exchange = "any", mac = "aead", prf = "sha384"},
  {cipher = "aes_256_gcm", key_exchange = "ecdhe_rsa", mac = "aead", prf = "sha384"},
  {cipher = "aes_128_gcm", key_exchange = "ecdhe_rsa", mac = "aead", prf = "sha256"},
]
)");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tls->cipher_list, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(p->tls->ciphersuites, "TLS_AES_256_GCM_SHA384");
}

TEST(TlsCiphers, TableFormSeedTypoAes25GcmIsNamed) {
  const std::string text =
      std::string(https_head) + "ciphers = [\n" +
      "  {cipher = \"aes_256_gcm\", key_exchange = \"ecdhe_rsa\", mac = \"aead\", prf = "
      "\"sha384\"},\n" +
      "  {cipher = \"aes_25_gcm\", key_exchange = \"any\", mac = \"aead\", prf = \"sha384\"},\n]\n";
  const load_result r = load(text);
  EXPECT_TRUE(has_error_under(r, text, std::string(tls_path) + "ciphers[1]", "aes_25_gcm"));
}

TEST(TlsCiphers, TableFormCombinationThatIsNoSuiteIsNamed) {
  const char* bad_entries[] = {
      // GCM with a CBC-style mac
      R"({cipher = "aes_256_gcm", key_exchange = "ecdhe_rsa", mac = "sha", prf = "sha384"})",
      // plain RSA has no CHACHA20-POLY1305 suite
      R"({cipher = "chacha20_poly1305", key_exchange = "rsa", mac = "aead"})",
      // TLS 1.3 AES-256-GCM goes with SHA384 only
      R"({cipher = "aes_256_gcm", key_exchange = "any", mac = "aead", prf = "sha256"})",
      // TLS 1.3 has no CBC suites
      R"({cipher = "aes_128_cbc", key_exchange = "any", mac = "sha"})",
  };
  for (const char* entry : bad_entries) {
    const std::string text = std::string(https_head) + "ciphers = [\n" +
                             "  {cipher = \"aes_128_gcm\", key_exchange = \"ecdhe_rsa\", mac = "
                             "\"aead\", prf = \"sha256\"},\n  " +
                             entry + ",\n]\n";
    const load_result r = load(text);
    EXPECT_TRUE(has_error_under(r, text, std::string(tls_path) + "ciphers[1]", entry)) << entry;
  }
}

TEST(TlsCiphers, TableFormUnknownKeyExchangeIsNamed) {
  const std::string text = std::string(https_head) +
                           "ciphers = [{cipher = \"aes_128_gcm\", key_exchange = \"ecdh_rsa\", mac "
                           "= \"aead\", prf = \"sha256\"}]\n";
  const load_result r = load(text);
  EXPECT_TRUE(has_error_under(r, text, std::string(tls_path) + "ciphers[0]", "ciphers ="));
}

// ---- files ----

TEST(TlsFiles, MissingFileNamesOptionAndPath) {
  for (const char* option : {"certfile", "cacertfile", "dhfile", "keyfile"}) {
    test::temp_dir dir;
    const std::string text = std::string(https_head) + option + " = \"missing-file.pem\"\n";
    const load_result r = load(text, dir.path());
    EXPECT_TRUE(has_error(r, text, std::string(tls_path) + option, std::string(option) + " =",
                          "missing-file.pem"))
        << option;
  }
}

TEST(TlsFiles, AnEncryptedKeyNeedsItsPassword) {
  // Without tls.password OpenSSL would ask for it on the terminal, from an I/O thread.
  test::temp_dir dir;
  dir.write("pkcs8.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n");
  dir.write("legacy.pem",
            "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n");
  dir.write("plain.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n");
  for (const auto& [line, file] : {std::pair<std::string, std::string>{"keyfile", "pkcs8.key"},
                                   std::pair<std::string, std::string>{"certfile", "legacy.pem"}}) {
    const std::string text = std::string(https_head) + line + " = \"" + file + "\"\n";
    const load_result r = load(text, dir.path());
    EXPECT_TRUE(has_error(r, text, std::string(tls_path) + "password", "connection.tls]",
                          "missing: required with " + line + " \"" + (dir.path() / file).string() +
                              "\", an encrypted private key"))
        << file;
    const load_result given = load(text + "password = \"secret\"\n", dir.path());
    EXPECT_FALSE(given.has_errors()) << test::dump(given);
  }
  const load_result plain = load(std::string(https_head) + "keyfile = \"plain.key\"\n", dir.path());
  EXPECT_FALSE(plain.has_errors()) << test::dump(plain);
  // A keyfile is the key: a certfile's encrypted one is then not used.
  const load_result keyfile_wins = load(
      std::string(https_head) + "keyfile = \"plain.key\"\ncertfile = \"legacy.pem\"\n", dir.path());
  EXPECT_FALSE(keyfile_wins.has_errors()) << test::dump(keyfile_wins);
}

TEST(TlsCiphers, MysqlWithBothKindsOfSuitesWarnsUnlessVersionsChoose) {
  const std::string head =
      "[outgoing_pools.rdbms.default.connection]\ndriver = \"mysql\"\nhost = \"h\"\n"
      "database = \"d\"\nusername = \"u\"\npassword = \"p\"\n"
      "[outgoing_pools.rdbms.default.connection.tls]\n";
  const std::string both = "ciphers = \"TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256\"\n";
  const load_result warned = load(head + both);
  const auto warnings = test::of_level(warned, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(warned);
  EXPECT_NE(warnings[0].message.find("only its TLS 1.3 suites apply"), std::string::npos)
      << warnings[0].message;
  for (const std::string& quiet :
       {head + both + "versions = [\"tlsv1.2\"]\n", head + both + "versions = [\"tlsv1.3\"]\n",
        head + "ciphers = \"TLS_AES_128_GCM_SHA256\"\n",
        head + "ciphers = \"ECDHE-RSA-AES128-GCM-SHA256\"\n"}) {
    const load_result r = load(quiet);
    EXPECT_FALSE(r.has_errors()) << test::dump(r);
    EXPECT_TRUE(test::of_level(r, diagnostic::level::warning).empty()) << quiet << test::dump(r);
  }
}

// OpenSSL offers only the versions below the first one a set leaves out: a mysql pool given
// tlsv1 and tlsv1.3 offered TLS 1.0 alone, and a server of TLS 1.2 and 1.3 refused it.
TEST(TlsVersions, ASetWithAGapIsRefusedAndSaysWhatIsLeftOut) {
  for (const char* driver : {"mysql", "pgsql"}) {
    const std::string text = std::string("[outgoing_pools.rdbms.default.connection]\ndriver = \"") +
                             driver +
                             "\"\nhost = \"h\"\ndatabase = \"d\"\nusername = \"u\"\npassword = "
                             "\"p\"\ntls.versions = [\"tlsv1\", \"tlsv1.3\"]\n";
    EXPECT_TRUE(has_error(load(text), text, "outgoing_pools.rdbms.default.connection.tls.versions",
                          "tls.versions",
                          "not allowed with a gap: \"tlsv1.1\", \"tlsv1.2\" left out between "
                          "\"tlsv1\" and \"tlsv1.3\""))
        << driver;
  }
  for (const char* set : {R"(["tlsv1.3", "tlsv1.2"])", R"(["tlsv1.1"])", R"(["tlsv1", "tlsv1.1"])",
                          R"(["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"])"}) {
    const std::string text =
        "[outgoing_pools.http.default.connection]\nhost = \"https://h\"\ntls.versions = " +
        std::string(set) + "\n";
    const load_result r = load(text);
    EXPECT_FALSE(r.has_errors()) << set << "\n" << test::dump(r);
  }
  const std::string riak =
      "[outgoing_pools.riak.default.connection]\naddress = \"h\"\ntls.versions = [\"tlsv1.1\", "
      "\"tlsv1.3\"]\n";
  EXPECT_TRUE(has_error(load(riak), riak, "outgoing_pools.riak.default.connection.tls.versions",
                        "tls.versions", "\"tlsv1.2\" left out"));
}

TEST(TlsFiles, AKeyWithoutItsCertificateIsWarnedOf) {
  test::temp_dir dir;
  dir.write("plain.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n");
  dir.write("client.pem", "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n");
  const load_result alone = load(std::string(https_head) + "keyfile = \"plain.key\"\n", dir.path());
  EXPECT_FALSE(alone.has_errors()) << test::dump(alone);
  const auto warnings = test::of_level(alone, diagnostic::level::warning);
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [](const diagnostic& d) {
    return d.path == std::string(tls_path) + "keyfile" &&
           d.message.find("no effect without certfile") != std::string::npos;
  })) << test::dump(alone);
  const load_result paired = load(
      std::string(https_head) + "keyfile = \"plain.key\"\ncertfile = \"client.pem\"\n", dir.path());
  EXPECT_TRUE(test::of_level(paired, diagnostic::level::warning).empty()) << test::dump(paired);
}

TEST(TlsPlacement, OdbcRefusalSaysWhereItsTlsComesFrom) {
  const std::string text =
      "[outgoing_pools.rdbms.default.connection]\ndriver = \"odbc\"\nsettings = \"DSN=x\"\n"
      "tls.verify_peer = true\n";
  EXPECT_TRUE(has_error(load(text), text, "outgoing_pools.rdbms.default.connection.tls",
                        "tls.verify_peer",
                        "not allowed with driver = \"odbc\" (ODBC takes its TLS from the data "
                        "source or the settings string"));
}

// libpq's sslmode prefer retries in plain text whatever made TLS fail, a client certificate's
// key included: said where the certificate is set, unless required or verify_peer refuse that.
TEST(TlsFiles, APgsqlClientCertificateWithoutRequiredWarnsOfThePlainFallback) {
  test::temp_dir dir;
  dir.write("client.pem", "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n");
  const auto head = [](const char* driver) {
    return std::string("[outgoing_pools.rdbms.default.connection]\ndriver = \"") + driver +
           "\"\nhost = \"h\"\ndatabase = \"d\"\nusername = \"u\"\npassword = \"p\"\n"
           "[outgoing_pools.rdbms.default.connection.tls]\ncertfile = \"client.pem\"\n";
  };
  const load_result warned = load(head("pgsql"), dir.path());
  EXPECT_FALSE(warned.has_errors()) << test::dump(warned);
  const auto warnings = test::of_level(warned, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(warned);
  EXPECT_EQ(warnings[0].path, "outgoing_pools.rdbms.default.connection.tls.certfile");
  EXPECT_NE(warnings[0].message.find("sslmode is \"prefer\": when TLS fails"), std::string::npos)
      << warnings[0].message;
  for (const std::string& quiet : {head("pgsql") + "required = true\n",
                                   head("pgsql") + "verify_peer = true\n", head("mysql")}) {
    const load_result r = load(quiet, dir.path());
    EXPECT_FALSE(r.has_errors()) << test::dump(r);
    EXPECT_TRUE(test::of_level(r, diagnostic::level::warning).empty()) << quiet << test::dump(r);
  }
}

TEST(TlsValues, ServerNameIndicationHasNoEffectForMysqlAndSaysSo) {
  const auto text = [](const char* driver) {
    return std::string("[outgoing_pools.rdbms.default.connection]\ndriver = \"") + driver +
           "\"\nhost = \"h\"\ndatabase = \"d\"\nusername = \"u\"\npassword = \"p\"\n"
           "tls.server_name_indication = true\n";
  };
  const load_result mysql = load(text("mysql"));
  const auto warnings = test::of_level(mysql, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(mysql);
  EXPECT_EQ(warnings[0].path, "outgoing_pools.rdbms.default.connection.tls.server_name_indication");
  EXPECT_NE(warnings[0].message.find("MariaDB Connector/C sends no SNI"), std::string::npos)
      << warnings[0].message;
  const load_result pgsql = load(text("pgsql"));
  EXPECT_TRUE(test::of_level(pgsql, diagnostic::level::warning).empty()) << test::dump(pgsql);
}

TEST(TlsFiles, RelativePathsAreRelativeToTheConfigFolder) {
  test::temp_dir dir;
  dir.write("conf/certs/client.pem");
  dir.write("conf/certs/ca.pem");
  dir.write("conf/outpools.toml", std::string(https_head) +
                                      "certfile = \"certs/client.pem\"\n"
                                      "cacertfile = \"certs/ca.pem\"\n"
                                      "verify_peer = true\n");
  // The current folder must not matter: load from the temp folder's parent.
  const load_result r = load_config_file(dir.path() / "conf" / "outpools.toml");
  ASSERT_FALSE(r.has_errors()) << test::dump(r);
  const pool_spec& p = test::only_pool(r.config);
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_EQ(p.tls->certfile, dir.path() / "conf" / "certs" / "client.pem");
  EXPECT_EQ(p.tls->cacertfile, dir.path() / "conf" / "certs" / "ca.pem");
  ASSERT_TRUE(p.tls->certfile.has_value());
  EXPECT_TRUE(p.tls->certfile->is_absolute());
}

TEST(TlsFiles, RelativePathMissingBesideConfigIsAnError) {
  test::temp_dir dir;
  dir.write("certs/client.pem");  // beside the temp folder, not beside the config's folder
  dir.write("conf/outpools.toml", std::string(https_head) + "certfile = \"certs/client.pem\"\n");
  const load_result r = load_config_file(dir.path() / "conf" / "outpools.toml");
  ASSERT_TRUE(r.has_errors()) << test::dump(r);
  const auto errors = test::errors_of(r);
  ASSERT_EQ(errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(errors[0].path, std::string(tls_path) + "certfile");
  EXPECT_EQ(errors[0].line, 4u);
  EXPECT_EQ(errors[0].file, (dir.path() / "conf" / "outpools.toml").string());
}

TEST(TlsFiles, AbsolutePathIsKept) {
  test::temp_dir dir;
  const std::filesystem::path key = dir.write("elsewhere/key.pem");
  const load_result r =
      load(std::string(https_head) + "keyfile = \"" + key.string() + "\"\n", "/nonexistent");
  const pool_spec* p = load_https(r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->tls->keyfile, key);
}

TEST(TlsFiles, ADirectoryIsNotAFile) {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "certs");
  const std::string text = std::string(https_head) + "cacertfile = \"certs\"\n";
  const load_result r = load(text, dir.path());
  EXPECT_TRUE(has_error(r, text, std::string(tls_path) + "cacertfile", "cacertfile ="));
}

}  // namespace
}  // namespace outpools
