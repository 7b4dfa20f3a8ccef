// pgsql with tls.verify_peer and a host name: libpq checks the certificate against `host` and
// would resolve it with a blocking getaddrinfo unless given `hostaddr`; the driver resolves it
// asynchronously and passes both. These tests make the lookup slow (slow_dns.hpp: a binary of
// its own, in a private mount namespace) and check that the worker's I/O thread keeps running.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "integration/rdbms/rdbms_test_support.hpp"
#include "integration/rdbms/slow_dns.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;

std::string verified_localhost_toml(const std::string& pool_lines) {
  return pgsql_toml(pool_lines,
                    "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                    "cacertfile = \"" +
                        service("OUTPOOLS_TLS_CA") + "\"",
                    "OUTPOOLS_PGSQL_TLS_PORT", "localhost");
}

TEST(pgsql_name_lookup, a_slow_lookup_of_a_verified_host_name_stops_no_worker) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(2000ms);
  std::unique_ptr<rdbms_pool> db = expect_connected_through_slow_dns(
      spec_from_toml(verified_localhost_toml("workers = 1\nconnect_timeout = 15000")), dns);
  rdbms::query_result r =
      db->client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(std::get<bool>(r.rows.at(0).at(0)), true);
}

// A lookup slower than connect_timeout: the attempt is given up at connect_timeout, and the
// I/O thread keeps running throughout.
TEST(pgsql_name_lookup, a_lookup_slower_than_connect_timeout_fails_the_attempt_in_time) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(3000ms);
  expect_an_attempt_given_up_during_a_slow_lookup(spec_from_toml(
      verified_localhost_toml("workers = 1\nconnect_timeout = 500\ncall_timeout = 1000\n"
                              "reconnect_backoff_min = 100\nreconnect_backoff_max = 200")));
}

// A name with several addresses: each is tried in turn, as libpq does with a name. Nothing
// listens on 127.0.0.2; 127.0.0.5 relays to the server. glibc orders the addresses by the
// prefix they share with the source address (127.0.0.1), so 127.0.0.2 is tried first.
TEST(pgsql_name_lookup, each_address_of_a_name_is_tried_in_turn) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  tcp_relay relay("127.0.0.5", std::stoi(service("OUTPOOLS_PGSQL_PORT")));
  slow_dns_server dns(0ms, {"127.0.0.2", "127.0.0.5"});
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1", "", "OUTPOOLS_PGSQL_PORT", "localhost")),
                1);
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  EXPECT_EQ(relay.connections(), 1);
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
}

// A name whose first address is silent (a connect to it stays pending: its SYNs are dropped)
// leaves the next address its turn: the TCP connect to each but the last may take its share of
// connect_timeout, so the pool connects through the second within its first attempt. Before,
// the first address took the whole connect_timeout, every attempt, and the pool never connected.
TEST(pgsql_name_lookup, a_silent_address_leaves_the_next_its_turn) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  expect_connected_past_a_silent_address(
      spec_from_toml(pgsql_toml("workers = 1\nconnect_timeout = 4000", "", "OUTPOOLS_PGSQL_PORT",
                                "localhost")),
      std::stoi(service("OUTPOOLS_PGSQL_PORT")));
}

// A failure once the server has answered (here: no such database) is not repeated at the next
// address, as libpq does with a name: one log-in per attempt, not one per address. Both
// addresses relay to the server.
TEST(pgsql_name_lookup, a_refused_log_in_is_not_repeated_at_the_next_address) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  const int port = std::stoi(service("OUTPOOLS_PGSQL_PORT"));
  tcp_relay first("127.0.0.5", port);
  tcp_relay second("127.0.0.6", port);
  slow_dns_server dns(0ms, {"127.0.0.5", "127.0.0.6"});
  std::string toml =
      pgsql_toml("workers = 1\nreconnect_backoff_min = 20000\nreconnect_backoff_max = 20000", "",
                 "OUTPOOLS_PGSQL_PORT", "localhost");
  const std::string database = "database = \"" + service("OUTPOOLS_PGSQL_DATABASE") + "\"";
  toml.replace(toml.find(database), database.size(), "database = \"outpools_no_such_database\"");
  rdbms_pool db(spec_from_toml(toml), 1);
  std::string why;
  for (int i = 0; i < 100 && why.empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    why = db.p->stats().last_connect_error;
  }
  EXPECT_NE(why.find("does not exist"), std::string::npos) << why;
  EXPECT_EQ(first.connections() + second.connections(), 1) << why;
}

// Each worker's lookup runs on its own: four workers on one I/O thread, each looking the name
// up in a DNS that takes 1.5 s, are all connected in about 1.5 s, not 6.
TEST(pgsql_name_lookup, the_lookups_of_workers_on_one_thread_run_side_by_side) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(1500ms);
  const auto started = std::chrono::steady_clock::now();
  rdbms_pool db(spec_from_toml(verified_localhost_toml("workers = 4\nconnect_timeout = 15000")), 1);
  ASSERT_TRUE(db.p->wait_connected(30s)) << db.p->stats().last_connect_error;
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 4000ms) << "the lookups ran one after another";
  RecordProperty(
      "connected_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

// A pool stopped while its workers look the name up stops at once: nothing waits for the DNS.
TEST(pgsql_name_lookup, a_pool_stops_without_waiting_for_a_lookup) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(3000ms);
  auto db = std::make_unique<rdbms_pool>(
      spec_from_toml(verified_localhost_toml("workers = 2\nconnect_timeout = 15000")), 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(dns.queries(), 1);
  const auto started = std::chrono::steady_clock::now();
  db.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms) << "the stop waited for the DNS";
}

}  // namespace
}  // namespace outpools::testing
