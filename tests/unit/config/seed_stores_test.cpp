// The seed's redis, riak, cassandra and elastic examples (with SPEC.md's repairs) parse to the
// documented values and defaults.
#include <boost/json.hpp>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;

TEST(SeedRedis, Example) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
  scope = "global"
  workers = 5
  strategy = "random_worker"
  [outgoing_pools.redis.default.connection]
    host = "redis.local"
    port = 9876
    database = 2
    password = "topsecret"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::redis);
  EXPECT_EQ(p.strategy, worker_strategy::random_worker);
  EXPECT_EQ(p.call_timeout, std::optional{5000ms});
  const auto& c = std::get<redis_options>(p.connection);
  EXPECT_EQ(c.host, "redis.local");
  EXPECT_EQ(c.port, 9876);
  EXPECT_EQ(c.database, 2);
  EXPECT_EQ(c.password.reveal(), "topsecret");
  EXPECT_EQ(p.tls, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("host"), "redis.local");
  EXPECT_EQ(p.connection_document->at("port"), 9876);
  EXPECT_EQ(p.connection_document->at("database"), 2);
  EXPECT_EQ(p.connection_document->at("password"), "***");
}

TEST(SeedRedis, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.workers, 100u);
  EXPECT_EQ(p.strategy, worker_strategy::best_worker);
  const auto& c = std::get<redis_options>(p.connection);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.database, 0);
  EXPECT_TRUE(c.password.empty());
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("host"), "127.0.0.1");
  EXPECT_EQ(p.connection_document->at("port"), 6379);
  EXPECT_EQ(p.connection_document->at("database"), 0);
}

TEST(SeedRiak, ExampleWithCredentialsTurnsTlsOn) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.riak.default]
  scope = "global"
  workers = 20
  strategy = "next_worker"
  [outgoing_pools.riak.default.connection]
    address = "127.0.0.1"
    port = 8087
    credentials = {user = "myuser", password = "tisismepasswd"}
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::riak);
  EXPECT_EQ(p.strategy, worker_strategy::next_worker);
  EXPECT_EQ(p.workers, 20u);
  const auto& c = std::get<riak_options>(p.connection);
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 8087);
  ASSERT_TRUE(c.credentials.has_value());
  EXPECT_EQ(c.credentials->user, "myuser");
  EXPECT_EQ(c.credentials->password.reveal(), "tisismepasswd");
  EXPECT_TRUE(p.tls.has_value());  // credentials force TLS
  EXPECT_NE(p.tls_document, nullptr);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("address"), "127.0.0.1");
  // credentials is a secret: masked whole, or at least its password
  const boost::json::value& cred = p.connection_document->at("credentials");
  EXPECT_TRUE(cred == "***" || (cred.is_object() && cred.at("password") == "***")) << cred;
  EXPECT_FALSE(test::contains(boost::json::serialize(*p.connection_document), "tisismepasswd"));
}

TEST(SeedRiak, DefaultsWithoutTls) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.riak.default.connection]
  address = "riak.example.com"
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<riak_options>(p.connection);
  EXPECT_EQ(c.port, 8087);
  EXPECT_EQ(c.credentials, std::nullopt);
  EXPECT_EQ(p.tls, std::nullopt);
  EXPECT_EQ(p.tls_document, nullptr);
  EXPECT_TRUE(p.connection_document->at("credentials").is_null());
}

TEST(SeedRiak, TlsTableAloneTurnsTlsOn) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.riak.default.connection]
  address = "riak.example.com"
  [outgoing_pools.riak.default.connection.tls]
    verify_peer = false
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(std::get<riak_options>(p.connection).credentials, std::nullopt);
  EXPECT_TRUE(p.tls.has_value());
}

TEST(SeedCassandra, Example) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.cassandra.default]
  scope = "global"
  workers = 50
  [outgoing_pools.cassandra.default.connection]
    servers = [{ip_address = "host_one", port = 9042}, {ip_address = "host_two", port = 9043}]
    keyspace = "big_mongooseim_database"
    [outgoing_pools.cassandra.default.connection.auth.plain]
      username = "auser"
      password = "somesecretpassword"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::cassandra);
  const auto& c = std::get<cassandra_options>(p.connection);
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].ip_address, "host_one");
  EXPECT_EQ(c.servers[0].port, 9042);
  EXPECT_EQ(c.servers[1].ip_address, "host_two");
  EXPECT_EQ(c.servers[1].port, 9043);
  EXPECT_EQ(c.keyspace, "big_mongooseim_database");
  ASSERT_TRUE(c.auth_plain.has_value());
  EXPECT_EQ(c.auth_plain->username, "auser");
  EXPECT_EQ(c.auth_plain->password.reveal(), "somesecretpassword");
  EXPECT_EQ(p.tls, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("keyspace"), "big_mongooseim_database");
  const std::string doc = boost::json::serialize(*p.connection_document);
  EXPECT_FALSE(test::contains(doc, "somesecretpassword")) << doc;
  EXPECT_TRUE(test::contains(doc, "auser")) << doc;
}

TEST(SeedCassandra, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.cassandra.default]
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<cassandra_options>(p.connection);
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].ip_address, "localhost");
  EXPECT_EQ(c.servers[0].port, 9042);
  EXPECT_EQ(c.keyspace, "mongooseim");
  EXPECT_EQ(c.auth_plain, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  const boost::json::value servers = p.connection_document->at("servers");
  ASSERT_TRUE(servers.is_array());
  ASSERT_EQ(servers.as_array().size(), 1u);
  EXPECT_EQ(servers.as_array()[0].at("ip_address"), "localhost");
  EXPECT_EQ(servers.as_array()[0].at("port"), 9042);
}

TEST(SeedCassandra, ServerPortDefaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.cassandra.default.connection]
  servers = [{ip_address = "cass1"}]
)");
  const auto& c = std::get<cassandra_options>(test::only_pool(r.config).connection);
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].ip_address, "cass1");
  EXPECT_EQ(c.servers[0].port, 9042);
}

TEST(SeedCassandra, TlsTableTurnsTlsOn) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.cassandra.default.connection.tls]
  verify_peer = false
  versions = ["tlsv1.2"]
)");
  const pool_spec& p = test::only_pool(r.config);
  ASSERT_TRUE(p.tls.has_value());
  EXPECT_EQ(p.tls->versions, std::vector{tls_version::tlsv1_2});
}

TEST(SeedElastic, Example) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.elastic.default]
  workers = 7
  [outgoing_pools.elastic.default.connection]
    host = "otherhost"
    port = 9211
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::elastic);
  EXPECT_EQ(p.workers, 7u);
  EXPECT_EQ(p.strategy, worker_strategy::available_worker);
  EXPECT_EQ(p.call_timeout, std::nullopt);  // no pool call timeout
  const auto& c = std::get<elastic_options>(p.connection);
  EXPECT_EQ(c.host, "otherhost");
  EXPECT_EQ(c.port, 9211);
  EXPECT_EQ(c.request_timeout, 2000ms);  // every HTTP request is still bounded
  EXPECT_EQ(p.connection_document->at("host"), "otherhost");
  EXPECT_EQ(p.connection_document->at("port"), 9211);
}

TEST(SeedElastic, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.elastic.default]
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.strategy, worker_strategy::available_worker);
  EXPECT_EQ(p.call_timeout, std::nullopt);
  EXPECT_EQ(p.workers, 100u);
  const auto& c = std::get<elastic_options>(p.connection);
  EXPECT_EQ(c.host, "localhost");
  EXPECT_EQ(c.port, 9200);
  EXPECT_EQ(p.tls, std::nullopt);
}

TEST(SeedElastic, ScopeAndHostMayBeSet) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["a.example", "b.example"]
[outgoing_pools.elastic.default]
  scope = "single_host"
  host = "b.example"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.host, std::optional<std::string>{"b.example"});
  EXPECT_EQ(p.scope, pool_scope::single_host);
}

}  // namespace
}  // namespace outpools
