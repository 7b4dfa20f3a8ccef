// Edge cases around the rules: integers that do not fit, IPv6 hosts, file order, empty names,
// unreadable files.
#include <unistd.h>

#include <boost/json.hpp>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::has_error;
using test::load;

TEST(EdgeCases, HugeIntegersAreOutOfRangeNotTruncated) {
  // 4294967297 and 65537 + k*65536 would wrap to small valid values if narrowed unchecked.
  const std::pair<std::string, std::string> cases[] = {
      {"[outgoing_pools.generic.default]\n", "workers = 4294967297"},
      {"[outgoing_pools.generic.default]\n", "workers = 9223372036854775807"},
      {"[outgoing_pools.redis.default.connection]\n", "port = 4294967297"},
      {"[outgoing_pools.redis.default.connection]\n", "port = 65537"},
      {"[outgoing_pools.elastic.default.connection]\n", "port = 131072"},
      {"[outgoing_pools.rabbit.default.connection]\n", "amqp_port = 70000"},
      {"[outgoing_pools.ldap.default.connection]\n", "port = -65535"},
      {"[outgoing_pools.riak.default.connection]\naddress = \"a\"\n", "port = 65623"},
  };
  for (const auto& [head, line] : cases) {
    const std::string text = head + line + "\n";
    const load_result r = load(text);
    const std::string table = head.substr(1, head.find(']') - 1);
    const std::string option = line.substr(0, line.find(' '));
    EXPECT_TRUE(has_error(r, text, table + "." + option, line)) << line;
  }
}

TEST(EdgeCases, LargeButValidTimeouts) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
  call_timeout = 86400000
  reconnect_backoff_max = 3600000
[outgoing_pools.rabbit.default.connection]
  max_worker_queue_len = 1000000000
)");
  ASSERT_EQ(r.config.pools.size(), 2u);
  EXPECT_EQ(r.config.pools[0].call_timeout, std::optional{std::chrono::milliseconds{86400000}});
  EXPECT_EQ(r.config.pools[1].max_worker_queue_len, std::optional<std::size_t>{1000000000});
}

TEST(EdgeCases, Ipv6HttpHost) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.http.default.connection]
  host = "http://[::1]:8080"
)");
  const auto& c = std::get<http_options>(test::only_pool(r.config).connection);
  EXPECT_EQ(c.host_name, "::1");
  EXPECT_EQ(c.port, 8080);
}

TEST(EdgeCases, FileOrderWithinAndAcrossTypes) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.zeta]
[outgoing_pools.generic.beta]
[outgoing_pools.redis.alpha]
[outgoing_pools.cassandra.default]
)");
  ASSERT_EQ(r.config.pools.size(), 4u);
  EXPECT_EQ(r.config.pools[0].name(), "redis.zeta");
  EXPECT_EQ(r.config.pools[1].name(), "generic.beta");
  EXPECT_EQ(r.config.pools[2].name(), "redis.alpha");
  EXPECT_EQ(r.config.pools[3].name(), "cassandra.default");
}

TEST(EdgeCases, DiagnosticsSortedAcrossReverseOrderedTables) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.zeta]
  workers = 0
[outgoing_pools.redis.alpha]
  workers = 0
[outgoing_pools.cassandra.default]
  workers = 0
)";
  const load_result r = load(text);
  ASSERT_EQ(r.diagnostics.size(), 3u) << test::dump(r);
  EXPECT_EQ(r.diagnostics[0].path, "outgoing_pools.redis.zeta.workers");
  EXPECT_EQ(r.diagnostics[1].path, "outgoing_pools.redis.alpha.workers");
  EXPECT_EQ(r.diagnostics[2].path, "outgoing_pools.cassandra.default.workers");
}

TEST(EdgeCases, EmptyHostNameIsRefused) {
  constexpr std::string_view text = R"(
[general]
  hosts = [""]
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(test::has_error_under(r, text, "general.hosts", "hosts ="));
}

TEST(EdgeCases, FloatPortIsRefused) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default.connection]
  port = 6379.0
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.redis.default.connection.port", "port = 6379.0");
}

TEST(EdgeCases, RiakAddressRequiredWithoutConnectionTable) {
  constexpr std::string_view text = R"(
[outgoing_pools.riak.default]
  workers = 3
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(test::has_error_under(r, text, "outgoing_pools.riak.default.connection",
                                    "[outgoing_pools.riak.default]"));
}

TEST(EdgeCases, HttpHostRequiredWithoutConnectionTable) {
  constexpr std::string_view text = R"(
[outgoing_pools.http.default]
  workers = 3
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(test::has_error_under(r, text, "outgoing_pools.http.default.connection",
                                    "[outgoing_pools.http.default]"));
}

TEST(EdgeCases, UnreadableTlsFileIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  test::temp_dir dir;
  const auto key = dir.write("key.pem");
  std::filesystem::permissions(key, std::filesystem::perms::none);
  const std::string text =
      "[outgoing_pools.http.default.connection]\nhost = \"https://server.com\"\n"
      "tls.keyfile = \"key.pem\"\n";
  const load_result r = load(text, dir.path());
  EXPECT_TRUE(
      has_error(r, text, "outgoing_pools.http.default.connection.tls.keyfile", "tls.keyfile"));
}

TEST(EdgeCases, MissingRequiredColumnPointsAtTheTable) {
  constexpr std::string_view text = R"(
[outgoing_pools.rdbms.default.connection]
  driver = "odbc"
)";
  const load_result r = load(text);
  const auto errors = test::errors_of(r);
  ASSERT_EQ(errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(errors[0].path, "outgoing_pools.rdbms.default.connection.settings");
  EXPECT_EQ(errors[0].line, 1u);
  EXPECT_GE(errors[0].column, 1u);
  EXPECT_LE(errors[0].column, 2u);
}

TEST(EdgeCases, VerifyPeerWithoutCacertfileIsAccepted) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.http.default.connection]
  host = "https://server.com"
  tls.verify_peer = true
)");
  const pool_spec& p = test::only_pool(r.config);
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_TRUE(p.tls->verify_peer);
  EXPECT_EQ(p.tls->cacertfile, std::nullopt);
}

TEST(EdgeCases, RequestTimeoutEqualToCallTimeoutWarns) {
  const load_result r = load(R"(
[outgoing_pools.http.default.connection]
  host = "http://localhost"
  request_timeout = 5000
)");
  EXPECT_FALSE(r.has_errors()) << test::dump(r);
  EXPECT_EQ(test::of_level(r, diagnostic::level::warning).size(), 1u) << test::dump(r);
}

TEST(EdgeCases, TlsDocumentHasEveryTlsOptionByName) {
  test::temp_dir dir;
  dir.write("key.pem");
  const load_result r = load(R"(
[outgoing_pools.http.default.connection]
  host = "https://server.com"
  [outgoing_pools.http.default.connection.tls]
    keyfile = "key.pem"
    password = "Tls-Key-Pass-77"
    versions = ["tlsv1.3"]
)",
                             dir.path());
  ASSERT_FALSE(r.has_errors()) << test::dump(r);
  const pool_spec& p = test::only_pool(r.config);
  ASSERT_NE(p.tls_document, nullptr);
  const boost::json::object& t = *p.tls_document;
  for (const char* key : {"verify_peer", "certfile", "cacertfile", "dhfile", "keyfile", "password",
                          "ciphers", "versions", "server_name_indication"}) {
    EXPECT_TRUE(t.contains(key)) << key << ": " << t;
  }
  EXPECT_EQ(t.at("password"), "***");
  EXPECT_EQ(t.at("verify_peer"), false);
  EXPECT_EQ(t.at("server_name_indication"), true);
  EXPECT_TRUE(t.at("certfile").is_null()) << t;
  EXPECT_EQ(t.at("keyfile"), boost::json::value((dir.path() / "key.pem").string()));
  EXPECT_EQ(t.at("versions"), (boost::json::array{"tlsv1.3"}));
  EXPECT_FALSE(test::contains(boost::json::serialize(t), "Tls-Key-Pass-77"));
}

TEST(EdgeCases, ElasticSingleHostMustBeAKnownHost) {
  constexpr std::string_view text = R"(
[outgoing_pools.elastic.default]
  scope = "single_host"
  host = "elsewhere.example"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.elastic.default.host", "host = ");
}

}  // namespace
}  // namespace outpools
