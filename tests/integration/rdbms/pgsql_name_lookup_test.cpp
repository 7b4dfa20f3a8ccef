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
  rdbms_pool db(spec_from_toml(verified_localhost_toml("workers = 1\nconnect_timeout = 15000")), 1);
  stall_meter meter(db.threads.context(0));
  const bool connected = db.p->wait_connected(30s);
  const std::chrono::milliseconds stall = meter.stop();
  ASSERT_TRUE(connected) << db.p->stats().last_connect_error;
  EXPECT_GE(dns.queries(), 1) << "the name was not looked up in the slow DNS";
  EXPECT_LT(stall, 500ms) << "the I/O thread was blocked by the lookup";
  RecordProperty("longest_stall_ms", static_cast<int>(stall.count()));
  rdbms::query_result r =
      db.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(std::get<bool>(r.rows.at(0).at(0)), true);
}

// A lookup slower than connect_timeout: the attempt is given up at connect_timeout, and the
// I/O thread keeps running throughout.
TEST(pgsql_name_lookup, a_lookup_slower_than_connect_timeout_fails_the_attempt_in_time) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(3000ms);
  rdbms_pool db(spec_from_toml(verified_localhost_toml(
                    "workers = 1\nconnect_timeout = 500\ncall_timeout = 1000\n"
                    "reconnect_backoff_min = 100\nreconnect_backoff_max = 200")),
                1);
  stall_meter meter(db.threads.context(0));
  const auto started = std::chrono::steady_clock::now();
  rdbms::query_result r = db.client.query("SELECT 1");
  const auto took = std::chrono::steady_clock::now() - started;
  const std::chrono::milliseconds stall = meter.stop();
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, 2500ms) << "the call waited for the lookup";
  EXPECT_LT(stall, 300ms) << "the I/O thread was blocked by the lookup";
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("connect timed out"), std::string::npos) << why;
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
