// Rules of the `connection` options of each type: required and refused options (per driver),
// value ranges, types, "infinity". Each error names the option's path and line.
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::has_error;
using test::has_error_under;
using test::load;

/// `[outgoing_pools.TYPE.default.connection]` followed by `body`; for one-option checks.
std::string connection(std::string_view type, std::string_view body) {
  return "[outgoing_pools." + std::string(type) + ".default.connection]\n" + std::string(body) +
         "\n";
}

std::string path(std::string_view type, std::string_view option) {
  return "outgoing_pools." + std::string(type) + ".default.connection." + std::string(option);
}

/// Each of `values` for `option` of `type` (with `extra` lines) is refused at the option's line.
void expect_refused_values(std::string_view type, std::string_view option,
                           std::initializer_list<const char*> values, std::string_view extra = "") {
  for (const char* value : values) {
    const std::string line = std::string(option) + " = " + value;
    const std::string text = connection(type, std::string(extra) + line);
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, path(type, option), line)) << type << ": " << line;
  }
}

void expect_accepted_values(std::string_view type, std::string_view option,
                            std::initializer_list<const char*> values,
                            std::string_view extra = "") {
  for (const char* value : values) {
    const std::string text =
        connection(type, std::string(extra) + std::string(option) + " = " + value);
    const load_result r = load(text);
    EXPECT_FALSE(r.has_errors()) << type << ": " << option << " = " << value << "\n"
                                 << test::dump(r);
  }
}

constexpr std::string_view pgsql_body =
    "driver = \"pgsql\"\nhost = \"localhost\"\ndatabase = \"db\"\nusername = \"u\"\n"
    "password = \"p\"\n";

// ---- rdbms ----

TEST(RdbmsRules, DriverIsRequired) {
  constexpr std::string_view text = R"(
[outgoing_pools.rdbms.default]
  workers = 2
  [outgoing_pools.rdbms.default.connection]
    host = "localhost"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.rdbms.default.connection.driver",
                      "[outgoing_pools.rdbms.default.connection]");
}

TEST(RdbmsRules, DriverIsRequiredEvenWithoutConnectionTable) {
  constexpr std::string_view text = R"(
[outgoing_pools.rdbms.default]
  workers = 2
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.rdbms.default.connection",
                              "[outgoing_pools.rdbms.default]"));
}

TEST(RdbmsRules, SeedTypoPsgqlIsRefusedWithSuggestion) {
  const std::string text = connection("rdbms", "driver = \"psgql\"\nsettings = \"DSN=x\"");
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, path("rdbms", "driver"), "driver =", "did you mean"));
  EXPECT_TRUE(has_error(r, text, path("rdbms", "driver"), "driver =", "pgsql"));
}

TEST(RdbmsRules, OdbcRequiresSettings) {
  constexpr std::string_view text = R"(
[outgoing_pools.rdbms.default.connection]
  driver = "odbc"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.rdbms.default.connection.settings",
                      "[outgoing_pools.rdbms.default.connection]");
}

TEST(RdbmsRules, OdbcRefusesNetworkOptions) {
  for (const char* line : {"host = \"localhost\"", "database = \"db\"", "username = \"u\"",
                           "password = \"p\"", "port = 5432"}) {
    const std::string text =
        connection("rdbms", "driver = \"odbc\"\nsettings = \"DSN=x\"\n" + std::string(line));
    const std::string option(line, std::string_view(line).find(' '));
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, path("rdbms", option), line)) << line;
  }
}

TEST(RdbmsRules, PgsqlAndMysqlRefuseSettings) {
  for (const char* driver : {"pgsql", "mysql"}) {
    std::string body(pgsql_body);
    body.replace(body.find("pgsql"), 5, driver);
    const std::string text = connection("rdbms", body + "settings = \"DSN=x\"");
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, path("rdbms", "settings"), "settings =")) << driver;
  }
}

TEST(RdbmsRules, PgsqlAndMysqlRequireHostDatabaseUsernamePassword) {
  for (const char* driver : {"pgsql", "mysql"}) {
    for (const char* missing : {"host", "database", "username", "password"}) {
      std::string body = "driver = \"" + std::string(driver) + "\"\n";
      for (const char* option : {"host", "database", "username", "password"}) {
        if (std::string_view(option) != missing) body += std::string(option) + " = \"x\"\n";
      }
      const std::string text = connection("rdbms", body);
      const load_result r = load(text);
      EXPECT_TRUE(has_error(r, text, path("rdbms", missing), "[outgoing_pools.rdbms.default"))
          << driver << " without " << missing;
    }
  }
}

TEST(RdbmsRules, PortRange) {
  expect_refused_values("rdbms", "port", {"0", "65536", "-1", "\"5432\""}, pgsql_body);
  expect_accepted_values("rdbms", "port", {"1", "65535"}, pgsql_body);
}

TEST(RdbmsRules, KeepaliveIntervalMustBePositive) {
  expect_refused_values("rdbms", "keepalive_interval", {"0", "-30", "\"30\""}, pgsql_body);
}

TEST(RdbmsRules, StringOptionsMustBeStrings) {
  const std::string text =
      connection("rdbms",
                 "driver = \"pgsql\"\nhost = 1\ndatabase = \"db\"\nusername = \"u\"\npassword = "
                 "\"p\"");
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, path("rdbms", "host"), "host = 1"));
}

// ---- http ----

TEST(HttpRules, HostIsRequired) {
  constexpr std::string_view text = R"(
[outgoing_pools.http.default.connection]
  path_prefix = "/api/"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.http.default.connection.host",
                      "[outgoing_pools.http.default.connection]");
}

TEST(HttpRules, HostMustBeAnHttpUrl) {
  expect_refused_values(
      "http", "host",
      {"\"server.com\"", "\"ftp://server.com\"", "\"https://\"", "\"https://server.com:99999\"",
       "\"https://server.com:0\"", "\"http://server.com:port\"", "42"});
  expect_accepted_values("http", "host",
                         {"\"http://server.com\"", "\"https://server.com:879\"",
                          "\"http://127.0.0.1:8080\"", "\"http://localhost:65535\""});
}

TEST(HttpRules, RequestTimeoutMustBePositive) {
  expect_refused_values("http", "request_timeout", {"0", "-1", "\"2000\""},
                        "host = \"http://localhost\"\n");
}

TEST(HttpRules, PathPrefixMustBeAString) {
  expect_refused_values("http", "path_prefix", {"1", "[\"/a\"]"}, "host = \"http://localhost\"\n");
}

TEST(HttpRules, PathPrefixMayBeEmpty) {
  // SPEC.md: any string; "" prepends nothing.
  expect_accepted_values("http", "path_prefix", {"\"\"", "\"api\"", "\"/api/auth/\""},
                         "host = \"http://localhost\"\n");
}

// ---- redis ----

TEST(RedisRules, PortIsStrictlyBetween0And65535) {
  expect_refused_values("redis", "port", {"0", "65535", "70000", "-1"});
  expect_accepted_values("redis", "port", {"1", "65534"});
}

TEST(RedisRules, DatabaseIsNonNegative) {
  expect_refused_values("redis", "database", {"-1", "\"2\"", "1.5"});
  expect_accepted_values("redis", "database", {"0", "15"});
}

TEST(RedisRules, HostMustBeAString) { expect_refused_values("redis", "host", {"1", "true"}); }

// ---- riak ----

TEST(RiakRules, AddressIsRequired) {
  constexpr std::string_view text = R"(
[outgoing_pools.riak.default.connection]
  port = 8087
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.riak.default.connection.address",
                      "[outgoing_pools.riak.default.connection]");
}

TEST(RiakRules, PortRange) {
  expect_refused_values("riak", "port", {"0", "65536"}, "address = \"127.0.0.1\"\n");
  expect_accepted_values("riak", "port", {"1", "65535"}, "address = \"127.0.0.1\"\n");
}

TEST(RiakRules, CredentialsMustBeATableOfUserAndPassword) {
  const std::string base = "address = \"127.0.0.1\"\n";
  for (const char* bad : {"credentials = \"user:pass\"", "credentials = {user = \"u\"}",
                          "credentials = {password = \"p\"}",
                          "credentials = {user = \"u\", password = \"p\", role = \"x\"}"}) {
    const std::string text = connection("riak", base + bad);
    const load_result r = load(text);
    EXPECT_TRUE(has_error_under(r, text, path("riak", "credentials"), "credentials =")) << bad;
  }
}

// ---- cassandra ----

TEST(CassandraRules, ServersMustNotBeEmpty) {
  const std::string text = connection("cassandra", "servers = []");
  EXPECT_CONFIG_ERROR(text, path("cassandra", "servers"), "servers = []");
}

TEST(CassandraRules, ServerPortErrorNamesTheElement) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection]
  servers = [
    {ip_address = "host_one", port = 9042},
    {ip_address = "host_two", port = 0},
  ]
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.cassandra.default.connection.servers[1].port",
                        "port = 0"));
}

TEST(CassandraRules, SeedTypoIpAdddressSuggestsIpAddress) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection]
  servers = [
    {ip_address = "host_one", port = 9042},
    {ip_adddress = "host_two", port = 9042},
  ]
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text,
                        "outgoing_pools.cassandra.default.connection.servers[1].ip_adddress",
                        "ip_adddress", "ip_address"));
}

TEST(CassandraRules, ServerNeedsIpAddress) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection]
  servers = [{port = 9042}]
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.cassandra.default.connection.servers[0]",
                              "servers ="));
}

TEST(CassandraRules, AuthPlainNeedsPasswordWithUsername) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection]
  keyspace = "ks"
  [outgoing_pools.cassandra.default.connection.auth.plain]
    username = "auser"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.cassandra.default.connection.auth.plain.password",
                      "[outgoing_pools.cassandra.default.connection.auth.plain]");
}

TEST(CassandraRules, AuthPlainNeedsUsernameWithPassword) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection]
  keyspace = "ks"
  [outgoing_pools.cassandra.default.connection.auth.plain]
    password = "somesecretpassword"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.cassandra.default.connection.auth.plain.username",
                      "[outgoing_pools.cassandra.default.connection.auth.plain]");
}

TEST(CassandraRules, UnknownAuthMethodIsRefused) {
  constexpr std::string_view text = R"(
[outgoing_pools.cassandra.default.connection.auth.kerberos]
  username = "auser"
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.cassandra.default.connection.auth",
                              "[outgoing_pools.cassandra.default.connection.auth.kerberos]"));
}

TEST(CassandraRules, KeyspaceMustBeAString) {
  expect_refused_values("cassandra", "keyspace", {"1"});
}

// ---- elastic ----

TEST(ElasticRules, PortRange) {
  expect_refused_values("elastic", "port", {"0", "65536", "\"9200\""});
  expect_accepted_values("elastic", "port", {"1", "65535"});
}

// ---- rabbit ----

TEST(RabbitRules, AmqpPortRange) {
  expect_refused_values("rabbit", "amqp_port", {"0", "65536"});
  expect_accepted_values("rabbit", "amqp_port", {"1", "65535"});
}

TEST(RabbitRules, MaxWorkerQueueLenIsNonNegativeOrInfinity) {
  expect_refused_values("rabbit", "max_worker_queue_len",
                        {"-1", "\"infinite\"", "\"1000\"", "1.5", "true"});
  expect_accepted_values("rabbit", "max_worker_queue_len", {"0", "1", "\"infinity\""});
}

TEST(RabbitRules, ConfirmsEnabledIsBoolean) {
  expect_refused_values("rabbit", "confirms_enabled", {"\"true\"", "1"});
}

// ---- ldap ----

TEST(LdapRules, ServersIsAnArrayOfStrings) {
  expect_refused_values("ldap", "servers", {"\"ldap_one\""});
  const std::string text = connection("ldap", "servers = [\"ldap_one\", 2]");
  const load_result r = load(text);
  EXPECT_TRUE(has_error_under(r, text, path("ldap", "servers"), "servers ="));
}

TEST(LdapRules, PortRange) { expect_refused_values("ldap", "port", {"0", "65536"}); }

TEST(LdapRules, ConnectIntervalMustBePositive) {
  expect_refused_values("ldap", "connect_interval", {"0", "-5", "\"1000\""});
}

TEST(LdapRules, UnknownEncryptSuggestsNearest) {
  const std::string text = connection("ldap", "encrypt = \"tsl\"");
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, path("ldap", "encrypt"), "encrypt =", "did you mean"));
  EXPECT_TRUE(has_error(r, text, path("ldap", "encrypt"), "encrypt =", "tls"));
}

}  // namespace
}  // namespace outpools
