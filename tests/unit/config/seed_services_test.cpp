// The seed's rabbit, ldap and generic examples parse to the documented values and defaults.
#include <boost/json.hpp>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;

TEST(SeedRabbit, Example) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rabbit.event_pusher]
  scope = "global"
  workers = 20
  [outgoing_pools.rabbit.event_pusher.connection]
    amqp_host = "anotherhost"
    amqp_port = 4561
    amqp_username = "corpop"
    amqp_password = "guest"
    confirms_enabled = false
    max_worker_queue_len = "infinity"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::rabbit);
  EXPECT_EQ(p.tag, "event_pusher");
  EXPECT_EQ(p.workers, 20u);
  const auto& c = std::get<rabbit_options>(p.connection);
  EXPECT_EQ(c.amqp_host, "anotherhost");
  EXPECT_EQ(c.amqp_port, 4561);
  EXPECT_EQ(c.amqp_username, "corpop");
  EXPECT_EQ(c.amqp_password.reveal(), "guest");
  EXPECT_FALSE(c.confirms_enabled);
  EXPECT_EQ(c.max_worker_queue_len, std::nullopt);  // "infinity"
  EXPECT_EQ(p.max_worker_queue_len, std::nullopt);
  EXPECT_EQ(p.tls, std::nullopt);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("amqp_host"), "anotherhost");
  EXPECT_EQ(p.connection_document->at("amqp_port"), 4561);
  EXPECT_EQ(p.connection_document->at("amqp_username"), "corpop");
  EXPECT_EQ(p.connection_document->at("amqp_password"), "***");
  EXPECT_EQ(p.connection_document->at("confirms_enabled"), false);
  EXPECT_EQ(p.connection_document->at("max_worker_queue_len"), "infinity");
}

TEST(SeedRabbit, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rabbit.any_tag-1]
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.tag, "any_tag-1");
  const auto& c = std::get<rabbit_options>(p.connection);
  EXPECT_EQ(c.amqp_host, "localhost");
  EXPECT_EQ(c.amqp_port, 5672);
  EXPECT_EQ(c.amqp_username, "guest");
  EXPECT_EQ(c.amqp_password.reveal(), "guest");
  EXPECT_FALSE(c.confirms_enabled);
  EXPECT_EQ(c.max_worker_queue_len, std::optional<std::size_t>{1000});
  EXPECT_EQ(p.max_worker_queue_len, std::optional<std::size_t>{1000});
  EXPECT_EQ(p.connection_document->at("max_worker_queue_len"), 1000);
}

TEST(SeedRabbit, ConfirmsAndZeroQueue) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rabbit.default.connection]
  confirms_enabled = true
  max_worker_queue_len = 0
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<rabbit_options>(p.connection);
  EXPECT_TRUE(c.confirms_enabled);
  EXPECT_EQ(c.max_worker_queue_len, std::optional<std::size_t>{0});
  EXPECT_EQ(p.max_worker_queue_len, std::optional<std::size_t>{0});
}

TEST(SeedLdap, ExampleWithTls) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.ldap.default]
  scope = "global"
  workers = 5
  [outgoing_pools.ldap.default.connection]
    servers = ["ldap_one", "ldap_two"]
    port = 800
    rootdn = "cn=admin,dc=example,dc=com"
    password = "topsecret"
    connect_interval = 20000
    encrypt = "tls"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::ldap);
  const auto& c = std::get<ldap_options>(p.connection);
  EXPECT_EQ(c.servers, (std::vector<std::string>{"ldap_one", "ldap_two"}));
  EXPECT_EQ(c.port, 800);
  EXPECT_EQ(c.rootdn, "cn=admin,dc=example,dc=com");
  EXPECT_EQ(c.password.reveal(), "topsecret");
  EXPECT_EQ(c.connect_interval, 20000ms);
  EXPECT_EQ(c.encrypt, ldap_encrypt::tls);
  EXPECT_TRUE(p.tls.has_value());  // encrypt = "tls" turns TLS on
  // ldap reconnects after connect_interval instead of the exponential backoff
  EXPECT_EQ(p.reconnect_backoff_min, 20000ms);
  EXPECT_EQ(p.reconnect_backoff_max, 20000ms);
  ASSERT_TRUE(p.connection_document);
  EXPECT_EQ(p.connection_document->at("password"), "***");
  EXPECT_EQ(p.connection_document->at("encrypt"), "tls");
  EXPECT_EQ(p.connection_document->at("connect_interval"), 20000);
}

TEST(SeedLdap, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.ldap.default]
)");
  const pool_spec& p = test::only_pool(r.config);
  const auto& c = std::get<ldap_options>(p.connection);
  EXPECT_EQ(c.servers, std::vector<std::string>{"localhost"});
  EXPECT_EQ(c.port, 389);
  EXPECT_EQ(c.rootdn, "");
  EXPECT_TRUE(c.password.empty());
  EXPECT_EQ(c.connect_interval, 10000ms);
  EXPECT_EQ(c.encrypt, ldap_encrypt::none);
  EXPECT_EQ(p.tls, std::nullopt);
  EXPECT_EQ(p.reconnect_backoff_min, 10000ms);
  EXPECT_EQ(p.reconnect_backoff_max, 10000ms);
  EXPECT_EQ(p.connection_document->at("port"), 389);
  EXPECT_EQ(p.connection_document->at("encrypt"), "none");
}

TEST(SeedLdap, TlsDefaultPortIs636) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.ldap.default.connection]
  encrypt = "tls"
  [outgoing_pools.ldap.default.connection.tls]
    verify_peer = false
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(std::get<ldap_options>(p.connection).port, 636);
  EXPECT_EQ(p.connection_document->at("port"), 636);
  EXPECT_TRUE(p.tls.has_value());
}

TEST(SeedGeneric, NoConnectionSection) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.generic.jobs]
  workers = 3
  strategy = "next_available_worker"
  call_timeout = 1500
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.type, pool_type::generic);
  EXPECT_EQ(p.tag, "jobs");
  EXPECT_EQ(p.workers, 3u);
  EXPECT_EQ(p.strategy, worker_strategy::next_available_worker);
  EXPECT_EQ(p.call_timeout, std::optional{1500ms});
  EXPECT_EQ(p.connect_timeout, std::nullopt);  // not for generic
  EXPECT_TRUE(std::holds_alternative<generic_options>(p.connection));
  EXPECT_EQ(p.tls, std::nullopt);
}

}  // namespace
}  // namespace outpools
