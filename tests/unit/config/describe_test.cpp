// describe_json / describe_text: the effective configuration `outpools show` prints.
#include <boost/json.hpp>

#include <set>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

constexpr std::string_view mixed = R"(
[general]
  hosts = ["localhost", "example.com"]
[outgoing_pools.redis.default]
  workers = 5
[outgoing_pools.rdbms.default]
  scope = "host"
  [outgoing_pools.rdbms.default.connection]
    driver = "pgsql"
    host = "db"
    database = "mim"
    username = "mim"
    password = "pw-s3cr3t"
    tls.required = true
[outgoing_pools.elastic.default]
[outgoing_pools.rabbit.event_pusher.connection]
  max_worker_queue_len = "infinity"
[outgoing_pools.generic.jobs]
)";

boost::json::array parsed(const configuration& c) {
  const std::string json = describe_json(c);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  EXPECT_FALSE(ec) << json;
  EXPECT_TRUE(v.is_array()) << json;
  return v.is_array() ? v.as_array() : boost::json::array{};
}

TEST(DescribeJson, OneObjectPerInstanceWithExactlyTheDocumentedKeys) {
  OUTPOOLS_LOAD_OK(r, mixed);
  const boost::json::array a = parsed(r.config);
  ASSERT_EQ(a.size(), 6u);
  const std::set<std::string> expected{"type",
                                       "tag",
                                       "host",
                                       "scope",
                                       "strategy",
                                       "workers",
                                       "call_timeout_ms",
                                       "connect_timeout_ms",
                                       "reconnect_backoff_ms",
                                       "connection",
                                       "tls"};
  for (const boost::json::value& v : a) {
    ASSERT_TRUE(v.is_object());
    std::set<std::string> keys;
    for (const auto& kv : v.as_object()) keys.insert(std::string(kv.key()));
    EXPECT_EQ(keys, expected) << v;
  }
}

TEST(DescribeJson, Values) {
  OUTPOOLS_LOAD_OK(r, mixed);
  const boost::json::array a = parsed(r.config);
  ASSERT_EQ(a.size(), 6u);
  const boost::json::object& redis = a[0].as_object();
  EXPECT_EQ(redis.at("type"), "redis");
  EXPECT_EQ(redis.at("tag"), "default");
  EXPECT_TRUE(redis.at("host").is_null());
  EXPECT_EQ(redis.at("scope"), "global");
  EXPECT_EQ(redis.at("strategy"), "best_worker");
  EXPECT_EQ(redis.at("workers"), 5);
  EXPECT_EQ(redis.at("call_timeout_ms"), 5000);
  EXPECT_EQ(redis.at("connect_timeout_ms"), 5000);
  EXPECT_EQ(redis.at("reconnect_backoff_ms"), (boost::json::array{100, 10000}));
  EXPECT_TRUE(redis.at("tls").is_null());
  EXPECT_EQ(redis.at("connection").at("port"), 6379);
  EXPECT_EQ(redis.at("connection").at("host"), "127.0.0.1");

  for (int i : {1, 2}) {
    const boost::json::object& pg = a[i].as_object();
    EXPECT_EQ(pg.at("type"), "rdbms");
    EXPECT_EQ(pg.at("scope"), "host");
    EXPECT_EQ(pg.at("host"), i == 1 ? "localhost" : "example.com");
    EXPECT_EQ(pg.at("call_timeout_ms"), 60000);
    EXPECT_EQ(pg.at("connection").at("password"), "***");
    EXPECT_TRUE(pg.at("connection").at("keepalive_interval").is_null());
    ASSERT_TRUE(pg.at("tls").is_object()) << pg;
    EXPECT_EQ(pg.at("tls").at("required"), true);
    EXPECT_EQ(pg.at("tls").at("verify_peer"), false);
  }

  const boost::json::object& elastic = a[3].as_object();
  EXPECT_EQ(elastic.at("call_timeout_ms"), "infinity");
  EXPECT_EQ(elastic.at("strategy"), "available_worker");

  const boost::json::object& rabbit = a[4].as_object();
  EXPECT_EQ(rabbit.at("tag"), "event_pusher");
  EXPECT_EQ(rabbit.at("connection").at("max_worker_queue_len"), "infinity");
  EXPECT_EQ(rabbit.at("connection").at("amqp_password"), "***");

  const boost::json::object& generic = a[5].as_object();
  EXPECT_EQ(generic.at("type"), "generic");
  EXPECT_TRUE(generic.at("tls").is_null());
}

TEST(DescribeJson, EmptyConfigurationIsAnEmptyArray) {
  OUTPOOLS_LOAD_OK(r, "");
  EXPECT_TRUE(parsed(r.config).empty());
}

TEST(DescribeText, MentionsEveryInstanceAndDefault) {
  OUTPOOLS_LOAD_OK(r, mixed);
  const std::string text = describe_text(r.config);
  for (const char* part :
       {"redis.default", "rdbms.default@localhost", "rdbms.default@example.com", "elastic.default",
        "rabbit.event_pusher", "generic.jobs", "6379", "60000", "infinity", "***"}) {
    EXPECT_TRUE(test::contains(text, part)) << part << "\n" << text;
  }
  EXPECT_FALSE(test::contains(text, "pw-s3cr3t")) << text;
}

}  // namespace
}  // namespace outpools
