// A secret's value (password, amqp_password, credentials, tls.password, ODBC settings) never
// appears in a diagnostic — whatever is wrong with it — nor in `show` output.
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::load;

constexpr std::string_view secret_value = "Zq7-hunter2-Xy";

std::string everything(const load_result& r) {
  std::string out;
  for (const diagnostic& d : r.diagnostics) out += d.to_string() + "\n" + d.message + "\n";
  return out;
}

/// `text` with every "SECRET" replaced by secret_value.
std::string with_secret(std::string_view text) {
  std::string out = test::toml_text(text);
  for (std::size_t at; (at = out.find("SECRET")) != std::string::npos;) {
    out.replace(at, 6, secret_value);
  }
  return out;
}

void expect_refused_without_secret(std::string_view text_with_placeholder) {
  const std::string text = with_secret(text_with_placeholder);
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << text << "\n" << test::dump(r);
  EXPECT_FALSE(test::contains(everything(r), secret_value)) << text << "\n" << test::dump(r);
}

TEST(SecretsInDiagnostics, WrongTypeOfPassword) {
  // the value as an array, an inline table or a number: still not printed
  expect_refused_without_secret(R"(
[outgoing_pools.redis.default.connection]
  password = ["SECRET"]
)");
  expect_refused_without_secret(R"(
[outgoing_pools.ldap.default.connection]
  password = {value = "SECRET"}
)");
  const load_result r = load(R"(
[outgoing_pools.redis.default.connection]
  password = 918273645
)");
  EXPECT_TRUE(r.has_errors());
  EXPECT_FALSE(test::contains(everything(r), "918273645")) << test::dump(r);
}

TEST(SecretsInDiagnostics, WrongTypeOfRdbmsPassword) {
  expect_refused_without_secret(R"(
[outgoing_pools.rdbms.default.connection]
  driver = "pgsql"
  host = "h"
  database = "d"
  username = "u"
  password = ["SECRET"]
)");
}

TEST(SecretsInDiagnostics, WrongTypeOfAmqpPassword) {
  expect_refused_without_secret(R"(
[outgoing_pools.rabbit.default.connection]
  amqp_password = ["SECRET"]
)");
}

TEST(SecretsInDiagnostics, CredentialsOfWrongShape) {
  expect_refused_without_secret(R"(
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  credentials = "myuser:SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  credentials = {user = "myuser", pasword = "SECRET"}
)");
  expect_refused_without_secret(R"(
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  credentials = {user = "myuser", password = ["SECRET"]}
)");
}

TEST(SecretsInDiagnostics, TlsPasswordOfWrongType) {
  expect_refused_without_secret(R"(
[outgoing_pools.http.default.connection]
  host = "https://server.com"
  tls.password = ["SECRET"]
)");
}

TEST(SecretsInDiagnostics, OdbcSettingsRefusedOrOfWrongType) {
  // refused because of the driver: the path is named, the value is not
  expect_refused_without_secret(R"(
[outgoing_pools.rdbms.default.connection]
  driver = "pgsql"
  host = "h"
  database = "d"
  username = "u"
  password = "p"
  settings = "DSN=mydb;PWD=SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.rdbms.default.connection]
  driver = "odbc"
  settings = ["DSN=mydb;PWD=SECRET"]
)");
}

TEST(SecretsInDiagnostics, PasswordRefusedForOdbc) {
  expect_refused_without_secret(R"(
[outgoing_pools.rdbms.default.connection]
  driver = "odbc"
  settings = "DSN=mydb"
  password = "SECRET"
)");
}

TEST(SecretsInDiagnostics, MisspeltSecretKeys) {
  expect_refused_without_secret(R"(
[outgoing_pools.redis.default.connection]
  pasword = "SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.rabbit.default.connection]
  amqp_pasword = "SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  credential = {user = "u", password = "SECRET"}
)");
  expect_refused_without_secret(R"(
[outgoing_pools.http.default.connection]
  host = "https://server.com"
  tls.passwd = "SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.rdbms.default.connection]
  driver = "odbc"
  setting = "DSN=x;PWD=SECRET"
)");
  expect_refused_without_secret(R"(
[outgoing_pools.cassandra.default.connection.auth.plain]
  username = "auser"
  passwrd = "SECRET"
)");
}

TEST(SecretsInDiagnostics, SecretInSyntaxError) {
  const std::string text = with_secret(R"(
[outgoing_pools.redis.default.connection]
  password = "SECRET
)");
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors());
  EXPECT_FALSE(test::contains(everything(r), secret_value)) << test::dump(r);
}

TEST(SecretsInDiagnostics, SyntaxErrorQuotingTheValueShowsNoneOfIt) {
  // toml++ quotes what it could not read: a whole number too large for 64 bits, or the
  // characters it stopped at. On a secret's line none of it is shown; the position stays.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"[outgoing_pools.redis.default.connection]\npassword = 98765432109876543210\n",
       "98765432109876543210"},
      {"[outgoing_pools.rdbms.default.connection]\nsettings = 1.7976931348623157e999\n",
       "1.7976931348623157e999"},
      {"[outgoing_pools.rabbit.default.connection]\namqp_password = tr7Q\n", "tr7Q"},
      {"[outgoing_pools.riak.default.connection]\ncredentials = {user = \"u\", password = "
       "12345678901234567890123}\n",
       "12345678901234567890123"},
      {"[outgoing_pools.cassandra.default.connection]\nauth.plain.password = [\n  "
       "98765432109876543210,\n]\n",
       "98765432109876543210"},
      {"[outgoing_pools.ldap.default.connection.tls]\npassword = \"Zq\\w\"\n", "\\w"}};
  for (const auto& [text, value] : cases) {
    const load_result r = load(text);
    ASSERT_EQ(r.diagnostics.size(), 1u) << text << test::dump(r);
    EXPECT_TRUE(test::contains(r.diagnostics[0].message, "TOML syntax error")) << test::dump(r);
    EXPECT_GE(r.diagnostics[0].line, 2u) << test::dump(r);
    EXPECT_FALSE(test::contains(everything(r), value)) << text << test::dump(r);
  }
}

TEST(SecretsInDiagnostics, SyntaxErrorOfAnOrdinaryOptionKeepsItsDetails) {
  const load_result r = load("[outgoing_pools.redis.default]\nworkers = 98765432109876543210\n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << test::dump(r);
  EXPECT_TRUE(test::contains(r.diagnostics[0].message, "98765432109876543210")) << test::dump(r);
}

TEST(SecretsInShow, EverySecretIsMasked) {
  test::temp_dir dir;
  dir.write("key.pem");
  dir.write("cert.pem");
  const std::string text = with_secret(R"(
[outgoing_pools.rdbms.pg.connection]
  driver = "pgsql"
  host = "h"
  database = "d"
  username = "u"
  password = "SECRET-1"
[outgoing_pools.rdbms.odbc.connection]
  driver = "odbc"
  settings = "DSN=x;PWD=SECRET-2"
[outgoing_pools.redis.default.connection]
  password = "SECRET-3"
[outgoing_pools.riak.default.connection]
  address = "127.0.0.1"
  credentials = {user = "myuser", password = "SECRET-4"}
[outgoing_pools.rabbit.default.connection]
  amqp_password = "SECRET-5"
[outgoing_pools.ldap.default.connection]
  password = "SECRET-6"
  encrypt = "tls"
  tls.certfile = "cert.pem"
  tls.keyfile = "key.pem"
  tls.password = "SECRET-7"
[outgoing_pools.cassandra.default.connection.auth.plain]
  username = "auser"
  password = "SECRET-8"
)");
  const load_result r = load(text, dir.path());
  ASSERT_FALSE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << test::dump(r);
  const std::string json = describe_json(r.config);
  const std::string plain = describe_text(r.config);
  EXPECT_FALSE(test::contains(json, secret_value)) << json;
  EXPECT_FALSE(test::contains(plain, secret_value)) << plain;
  EXPECT_TRUE(test::contains(json, "\"***\"")) << json;
  EXPECT_TRUE(test::contains(plain, "***")) << plain;
  for (const pool_spec& p : r.config.pools)
    EXPECT_FALSE(test::contains(summary_line(p), secret_value));
}

}  // namespace
}  // namespace outpools
