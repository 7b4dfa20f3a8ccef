// The seed's rdbms and http examples (with SPEC.md's repairs) parse to the documented values and
// defaults, in the typed pool_spec and in the `show` document.
#include <boost/json.hpp>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;
using test::load;

constexpr std::string_view pgsql_example = R"(
[outgoing_pools.rdbms.default]
  scope = "global"
  workers = 5
  [outgoing_pools.rdbms.default.connection]
    driver = "pgsql"
    host = "localhost"
    database = "mim-db"
    username = "mim-user"
    password = "mim-password"
    keepalive_interval = 30
)";

TEST(SeedRdbms, PgsqlExampleValuesAndDefaults) {
  OUTPOOLS_LOAD_OK(r, pgsql_example);
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::rdbms);
  EXPECT_EQ(p.tag, "default");
  EXPECT_EQ(p.host, std::nullopt);
  EXPECT_EQ(p.scope, pool_scope::global);
  EXPECT_EQ(p.workers, 5u);
  EXPECT_EQ(p.strategy, worker_strategy::best_worker);
  EXPECT_EQ(p.call_timeout, std::optional{60000ms});  // rdbms sets its own default
  EXPECT_EQ(p.connect_timeout, std::optional{5000ms});
  EXPECT_EQ(p.reconnect_backoff_min, 100ms);
  EXPECT_EQ(p.reconnect_backoff_max, 10000ms);
  EXPECT_EQ(p.max_worker_queue_len, std::nullopt);
  EXPECT_EQ(p.tls, std::nullopt);  // no tls table: TLS off
  EXPECT_EQ(p.name(), "rdbms.default");
  EXPECT_EQ(p.source_line, 1u);
  ASSERT_TRUE(std::holds_alternative<rdbms_options>(p.connection));
  const auto& c = std::get<rdbms_options>(p.connection);
  EXPECT_EQ(c.driver, rdbms_driver::pgsql);
  EXPECT_EQ(c.host, "localhost");
  EXPECT_EQ(c.database, "mim-db");
  EXPECT_EQ(c.username, "mim-user");
  ASSERT_TRUE(c.password.has_value());
  EXPECT_EQ(c.password->reveal(), "mim-password");
  EXPECT_EQ(c.port, 5432);
  EXPECT_EQ(c.settings, std::nullopt);
  EXPECT_EQ(c.keepalive_interval, std::optional{30s});

  ASSERT_TRUE(p.connection_document);
  const boost::json::object& doc = *p.connection_document;
  EXPECT_EQ(doc.at("driver"), "pgsql");
  EXPECT_EQ(doc.at("host"), "localhost");
  EXPECT_EQ(doc.at("database"), "mim-db");
  EXPECT_EQ(doc.at("username"), "mim-user");
  EXPECT_EQ(doc.at("password"), "***");
  EXPECT_EQ(doc.at("port"), 5432);
  EXPECT_EQ(doc.at("keepalive_interval"), 30);
  EXPECT_EQ(p.tls_document, nullptr);
}

TEST(SeedRdbms, MysqlDefaultsPortAndNoKeepalive) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rdbms.default.connection]
  driver = "mysql"
  host = "db.example.com"
  database = "mim-db"
  username = "mim-user"
  password = "mim-password"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.scope, pool_scope::global);
  EXPECT_EQ(p.workers, 100u);
  EXPECT_EQ(p.call_timeout, std::optional{60000ms});
  const auto& c = std::get<rdbms_options>(p.connection);
  EXPECT_EQ(c.driver, rdbms_driver::mysql);
  EXPECT_EQ(c.port, 3306);
  EXPECT_EQ(c.keepalive_interval, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("port"), 3306);
  EXPECT_TRUE(p.connection_document->at("keepalive_interval").is_null());
}

TEST(SeedRdbms, PortAndCallTimeoutMayBeSet) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rdbms.default]
  call_timeout = 60000
  [outgoing_pools.rdbms.default.connection]
    driver = "pgsql"
    host = "localhost"
    port = 6543
    database = "mim-db"
    username = "mim-user"
    password = "mim-password"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.call_timeout, std::optional{60000ms});
  EXPECT_EQ(std::get<rdbms_options>(p.connection).port, 6543);
}

TEST(SeedRdbms, OdbcExample) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rdbms.default]
  scope = "global"
  workers = 5
  [outgoing_pools.rdbms.default.connection]
    driver = "odbc"
    settings = "DSN=mydb"
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<rdbms_options>(p.connection);
  EXPECT_EQ(c.driver, rdbms_driver::odbc);
  ASSERT_TRUE(c.settings.has_value());
  EXPECT_EQ(c.settings->reveal(), "DSN=mydb");
  EXPECT_EQ(c.password, std::nullopt);
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(p.tls, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("driver"), "odbc");
  EXPECT_EQ(p.connection_document->at("settings"), "***");
}

TEST(SeedHttp, ExampleWithHttpsHost) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.http.auth]
  strategy = "available_worker"
  workers = 10
  [outgoing_pools.http.auth.connection]
    host = "https://server.com:879"
    path_prefix = "/api/auth/"
    request_timeout = 5000
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::http);
  EXPECT_EQ(p.tag, "auth");
  EXPECT_EQ(p.strategy, worker_strategy::available_worker);
  EXPECT_EQ(p.workers, 10u);
  EXPECT_EQ(p.call_timeout, std::optional{5000ms});
  const auto& c = std::get<http_options>(p.connection);
  EXPECT_EQ(c.url, "https://server.com:879");
  EXPECT_TRUE(c.https);
  EXPECT_EQ(c.host_name, "server.com");
  EXPECT_EQ(c.port, 879);
  EXPECT_EQ(c.path_prefix, "/api/auth/");
  EXPECT_EQ(c.request_timeout, 5000ms);
  // https:// means TLS, with the TLS defaults
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_FALSE(p.tls->verify_peer);
  EXPECT_TRUE(p.tls->server_name_indication);
  EXPECT_TRUE(p.tls->versions.empty());
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("host"), "https://server.com:879");
  EXPECT_EQ(p.connection_document->at("path_prefix"), "/api/auth/");
  EXPECT_EQ(p.connection_document->at("request_timeout"), 5000);
  EXPECT_NE(p.tls_document, nullptr);
}

TEST(SeedHttp, PlainHttpDefaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.http.default.connection]
  host = "http://localhost"
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<http_options>(p.connection);
  EXPECT_FALSE(c.https);
  EXPECT_EQ(c.host_name, "localhost");
  EXPECT_EQ(c.port, 80);
  EXPECT_EQ(c.path_prefix, "/");
  EXPECT_EQ(c.request_timeout, 2000ms);
  EXPECT_EQ(p.tls, std::nullopt);
  EXPECT_EQ(p.tls_document, nullptr);
  EXPECT_EQ(p.connection_document->at("path_prefix"), "/");
  EXPECT_EQ(p.connection_document->at("request_timeout"), 2000);
}

TEST(SeedHttp, HttpsDefaultPortIs443) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.http.default.connection]
  host = "https://api.example.com"
)");
  const auto& c = std::get<http_options>(test::only_pool(r.config).connection);
  EXPECT_TRUE(c.https);
  EXPECT_EQ(c.host_name, "api.example.com");
  EXPECT_EQ(c.port, 443);
}

TEST(SeedHttp, RequestTimeoutNotBelowCallTimeoutWarns) {
  constexpr std::string_view text = R"(
[outgoing_pools.http.default]
  call_timeout = 1000
  [outgoing_pools.http.default.connection]
    host = "http://localhost:8080"
    request_timeout = 5000
)";
  const load_result r = load(text);
  EXPECT_FALSE(r.has_errors()) << test::dump(r);
  const auto warnings = test::of_level(r, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(r);
  EXPECT_TRUE(test::contains(warnings[0].path, "request_timeout")) << test::dump(r);
  EXPECT_EQ(warnings[0].line, test::line_of(text, "request_timeout = 5000")) << test::dump(r);
}

TEST(SeedHttp, DefaultRequestTimeoutNotBelowCallTimeoutWarnsAtCallTimeout) {
  constexpr std::string_view text = R"(
[outgoing_pools.http.default]
  workers = 2
  call_timeout = 1500
  [outgoing_pools.http.default.connection]
    host = "http://localhost:8080"
)";
  const load_result r = load(text);
  const auto warnings = test::of_level(r, diagnostic::level::warning);
  ASSERT_EQ(warnings.size(), 1u) << test::dump(r);
  EXPECT_EQ(warnings[0].path, "outgoing_pools.http.default.connection.request_timeout");
  EXPECT_EQ(warnings[0].line, test::line_of(text, "call_timeout = 1500")) << test::dump(r);
}

TEST(SeedHttp, RequestTimeoutBelowCallTimeoutDoesNotWarn) {
  const load_result r = load(R"(
[outgoing_pools.http.default.connection]
  host = "http://localhost:8080"
  request_timeout = 4999
)");
  EXPECT_TRUE(r.diagnostics.empty()) << test::dump(r);
}

}  // namespace
}  // namespace outpools
