// mysql with tls.verify_peer and a host name: Connector/C must be given the name (it checks the
// certificate against it) and then resolves it itself, blocking. These tests make that lookup
// slow (slow_dns.hpp: a binary of its own, in a private mount namespace) and check that the I/O
// thread the worker lives on keeps running meanwhile.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/rdbms/mysql_test_support.hpp"
#include "integration/rdbms/slow_dns.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;

std::string verified_localhost_toml(const std::string& pool_lines) {
  return mysql_toml(pool_lines, mysql_tls_lines("OUTPOOLS_TLS_CA"), "OUTPOOLS_MYSQL_TLS_PORT",
                    "localhost");
}

TEST(mysql_name_lookup, a_slow_lookup_of_a_verified_host_name_stops_no_worker) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(2000ms);
  std::unique_ptr<rdbms_pool> db = expect_connected_through_slow_dns(
      spec_from_toml(verified_localhost_toml("workers = 1\nconnect_timeout = 15000")), dns);
  rdbms::query_result r = db->client.query("SHOW STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_FALSE(rdbms::to_text(r.rows.at(0).at(1)).empty()) << "no cipher: not encrypted";
}

// A lookup slower than connect_timeout: the attempt is given up at connect_timeout (the lookup
// itself cannot be interrupted; its thread closes the handle when it ends), and the I/O thread
// keeps running throughout.
TEST(mysql_name_lookup, a_lookup_slower_than_connect_timeout_fails_the_attempt_in_time) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  // Counts the TLS server's other connections (reached by address: no lookup).
  rdbms_pool observer(spec_from_toml(mysql_toml(
      "workers = 1", "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false",
      "OUTPOOLS_MYSQL_TLS_PORT")));
  const auto others = [&] {
    rdbms::query_result r = observer.client.query(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()");
    EXPECT_TRUE(r.ok()) << r.diagnostics;
    return r.ok() ? std::get<std::int64_t>(r.rows.at(0).at(0)) : -1;
  };
  const std::int64_t before = others();
  const std::size_t descriptors = open_descriptors();
  slow_dns_server dns(3000ms);
  expect_an_attempt_given_up_during_a_slow_lookup(spec_from_toml(
      verified_localhost_toml("workers = 1\nconnect_timeout = 500\ncall_timeout = 1000\n"
                              "reconnect_backoff_min = 100\nreconnect_backoff_max = 200")));
  // The attempts given up are their threads' to end: once the DNS has answered them, each
  // closes its handle, and none is left connected to the server.
  std::this_thread::sleep_for(4500ms);
  EXPECT_EQ(others(), before) << "an abandoned attempt left a connection open";
  EXPECT_EQ(open_descriptors(), descriptors) << "an abandoned attempt left its socket open";
}

// A name with several addresses: each is tried in turn, with the driver's lookup (plain) and
// with Connector/C's (verify_peer). Nothing listens on 127.0.0.2; 127.0.0.5 relays to the
// server. glibc orders the addresses by the prefix they share with the source address
// (127.0.0.1), so 127.0.0.2 is tried first.
TEST(mysql_name_lookup, each_address_of_a_name_is_tried_in_turn) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  tcp_relay plain_relay("127.0.0.5", std::stoi(service("OUTPOOLS_MYSQL_PORT")));
  tcp_relay tls_relay("127.0.0.5", std::stoi(service("OUTPOOLS_MYSQL_TLS_PORT")));
  slow_dns_server dns(0ms, {"127.0.0.2", "127.0.0.5"});
  rdbms_pool plain(
      spec_from_toml(mysql_toml("workers = 1", "", "OUTPOOLS_MYSQL_PORT", "localhost")), 1);
  rdbms_pool verified(spec_from_toml(verified_localhost_toml("workers = 1")), 1);
  ASSERT_TRUE(plain.p->wait_connected(10s)) << plain.p->stats().last_connect_error;
  ASSERT_TRUE(verified.p->wait_connected(10s)) << verified.p->stats().last_connect_error;
  EXPECT_EQ(plain_relay.connections(), 1);
  EXPECT_EQ(tls_relay.connections(), 1);
  EXPECT_TRUE(plain.client.query("SELECT 1").ok());
  EXPECT_TRUE(verified.client.query("SELECT 1").ok());
}

// A name whose first address is silent (a connect to it stays pending: its SYNs are dropped)
// leaves the next address its turn: the TCP connect to each address but the last may take its
// share of connect_timeout, so the pool connects through the second within its first attempt.
// Checked with the driver's lookup, and with verify_peer, where Connector/C resolves the name
// and tries its addresses itself (the side thread ends a connect past its share). Before, the
// first address took the whole connect_timeout, every attempt, and the pool never connected.
TEST(mysql_name_lookup, a_silent_address_leaves_the_next_its_turn) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  expect_connected_past_a_silent_address(
      spec_from_toml(mysql_toml("workers = 1\nconnect_timeout = 4000", "", "OUTPOOLS_MYSQL_PORT",
                                "localhost")),
      std::stoi(service("OUTPOOLS_MYSQL_PORT")));
  expect_connected_past_a_silent_address(
      spec_from_toml(verified_localhost_toml("workers = 1\nconnect_timeout = 4000")),
      std::stoi(service("OUTPOOLS_MYSQL_TLS_PORT")));
}

// Attempts given up in the middle of the handshake, connect_timeout 200 ms: to a server that
// accepts and never answers, and to one whose accept queue is full (the TCP connect itself stays
// pending). Each attempt's socket is closed, on the I/O thread (an address) and on the side
// thread (a verified name): Connector/C holds the socket of a connect still in its TCP phase
// where mysql_close does not look.
TEST(mysql_name_lookup, attempts_given_up_mid_handshake_leave_no_socket_open) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  silent_tcp_server answering_nothing;
  silent_tcp_server accepting_nothing(false);
  slow_dns_server dns(0ms);
  const std::size_t before = open_descriptors();
  {
    const std::string lines =
        "workers = 1\nconnect_timeout = 200\nreconnect_backoff_min = 50\n"
        "reconnect_backoff_max = 100";
    std::vector<std::unique_ptr<rdbms_pool>> pools;
    for (const silent_tcp_server* server : {&answering_nothing, &accepting_nothing}) {
      std::string by_address = mysql_toml(lines, "", "OUTPOOLS_MYSQL_PORT", "127.0.0.1");
      std::string by_name = verified_localhost_toml(lines);
      for (std::string* toml : {&by_address, &by_name}) {
        for (const char* port : {"OUTPOOLS_MYSQL_PORT", "OUTPOOLS_MYSQL_TLS_PORT"}) {
          const std::string line = "port = " + service(port) + "\n";
          if (const std::size_t at = toml->find(line); at != std::string::npos)
            toml->replace(at, line.size(), "port = " + std::to_string(server->port()) + "\n");
        }
        pools.push_back(std::make_unique<rdbms_pool>(spec_from_toml(*toml), 1));
      }
    }
    std::this_thread::sleep_for(1500ms);
    for (const auto& db : pools) EXPECT_EQ(db->p->stats().workers_connected, 0u);
    EXPECT_GE(answering_nothing.accepted(), 4) << "the attempts did not reach the server";
  }
  std::this_thread::sleep_for(500ms);  // the side threads notice within 50 ms
  EXPECT_EQ(open_descriptors(), before) << "sockets of abandoned attempts are still open";
}

// Without verify_peer the driver resolves the name itself (and hands Connector/C the address):
// a pool stopped during that lookup, or during the side thread's, stops at once.
TEST(mysql_name_lookup, a_pool_stops_without_waiting_for_a_lookup) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(3000ms);
  auto plain = std::make_unique<rdbms_pool>(
      spec_from_toml(mysql_toml("workers = 2\nconnect_timeout = 15000", "", "OUTPOOLS_MYSQL_PORT",
                                "localhost")),
      1);
  auto verified = std::make_unique<rdbms_pool>(
      spec_from_toml(verified_localhost_toml("workers = 2\nconnect_timeout = 15000")), 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(dns.queries(), 2);
  const auto started = std::chrono::steady_clock::now();
  plain.reset();
  verified.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms) << "the stop waited for the DNS";
}

}  // namespace
}  // namespace outpools::testing
