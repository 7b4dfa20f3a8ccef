// mysql TLS connects run on threads of their own: Connector/C loads its CA file into a new SSL
// context for each connection (the system trust store without verify_peer: ~30 ms of CPU), and
// on the I/O thread a pool of them would hold up every other pool there.
#include <gtest/gtest.h>

#include <string>

#include "integration/rdbms/mysql_test_support.hpp"
#include "outpools/rdbms/client.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;

TEST(mysql_tls_connect, a_pool_of_tls_connects_holds_up_no_other_pool_of_its_thread) {
  io_threads one(1);  // both pools on one I/O thread
  auto other = pool::create(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 1000")), one,
                            rdbms::driver_factory());
  rdbms::client other_client(other);
  ASSERT_TRUE(other->wait_connected(10s));
  // 30 connects at once, each loading the system trust store (no cacertfile).
  auto tls = pool::create(spec_from_toml(mysql_toml(
                              "workers = 30\nconnect_timeout = 60000",
                              "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false",
                              "OUTPOOLS_MYSQL_TLS_PORT")),
                          one, rdbms::driver_factory());
  const calls_meanwhile seen = call_while_connecting(*tls, other_client);
  ASSERT_TRUE(tls->wait_connected(0ms));
  const auto connects = seen.took;
  RecordProperty(
      "connects_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(connects).count()));
  EXPECT_GT(seen.calls, 1);
  // Each call is one round trip (~1 ms); behind thirty TLS handshakes on its thread it would
  // wait for all of them (seconds).
  EXPECT_LT(seen.longest, 1000ms) << "a call of the other pool waited for the TLS connects";
  rdbms::client tls_client(tls);
  rdbms::query_result cipher = tls_client.query("SHOW STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(cipher.ok()) << cipher.diagnostics;
  EXPECT_FALSE(rdbms::to_text(cipher.rows.at(0).at(1)).empty()) << "not encrypted";
  tls->stop();
  other->stop();
}

}  // namespace
}  // namespace outpools::testing
