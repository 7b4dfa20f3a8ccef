// pgsql: what a cancel request that never lands costs — through a proxy that passes the
// connections to the real server and holds every CancelRequest unanswered.
#include <gtest/gtest.h>

#include "integration/rdbms/cancel_swallowing_proxy.hpp"
#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;

// pgsql_connection::max_cancel_requests_in_flight (its header needs libpq's, which this test's
// target does not see).
constexpr int max_cancel_requests_in_flight = 16;

// pgsql_toml's pool, its connections through `proxy`.
pool_spec through(const cancel_swallowing_proxy& proxy, const std::string& pool_lines) {
  std::string toml = pgsql_toml(pool_lines);
  const std::string real = "port = " + service("OUTPOOLS_PGSQL_PORT");
  toml.replace(toml.find(real), real.size(), "port = " + std::to_string(proxy.port()));
  return spec_from_toml(toml);
}

// The statement ends by itself while its cancel request is still on the way: the connection
// is not served again (the late request could cancel the next caller's statement).
TEST(pgsql_cancel, a_connection_whose_cancel_request_is_unanswered_is_replaced) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")));
  // The grace period (connect_timeout) shorter than call_timeout, which also bounds the reset.
  rdbms_pool db(through(proxy, "workers = 1\ncall_timeout = 1500\nconnect_timeout = 1000"));
  expect_replaced_after_an_unanswered_cancel(db, "SELECT pg_backend_pid()", "SELECT pg_sleep(2)",
                                             [&proxy] { return proxy.cancels_held(); });
}

// A server that never answers cancel requests holds one thread per request: their number is
// bounded; past the bound a statement to cancel gives its connection up instead. Every call
// is still answered `timeout` at its call_timeout, and the pool serves on.
TEST(pgsql_cancel, unanswered_cancel_requests_in_flight_are_bounded) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")));
  constexpr int workers = 4, rounds = 6;
  rdbms_pool db(through(proxy,
                        // next_worker: the 4 calls of a round go to the 4 workers, one each
                        "workers = 4\nstrategy = \"next_worker\"\ncall_timeout = 100\n"
                        "connect_timeout = 300\n"
                        "reconnect_backoff_min = 10\nreconnect_backoff_max = 50"));
  run_rounds_of_timed_out_calls(db, workers, rounds, "SELECT pg_sleep(5)");
  EXPECT_GE(proxy.cancels_held(), workers);
  EXPECT_LE(proxy.cancels_held(), max_cancel_requests_in_flight);
  query_result fine;
  for (int tries = 0; tries < 50 && !(fine = db.client.query("SELECT 1")).ok(); ++tries) {
  }
  EXPECT_TRUE(fine.ok()) << fine.diagnostics;
}

// A pool stopped while a statement runs returns only once its cancel request (500 ms late
// through the proxy) has landed: a process that exits after the stop (`outpools call` on
// SIGINT) would otherwise end the PQcancel side thread with it, and the statement ran on.
TEST(pgsql_cancel, a_pool_stopped_mid_statement_waits_until_its_cancel_landed) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")),
                                cancel_swallowing_proxy::protocol::pgsql, 500ms);
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  rdbms_pool db(through(proxy, "workers = 1\ncall_timeout = 60000"));
  expect_the_stop_waits_for_its_cancel(
      db, observer,
      "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
      "SELECT pg_sleep(20) /* outpools-stop-me */", "%outpools-stop-me%", 500ms);
  EXPECT_EQ(proxy.cancels_held(), 1);
}

}  // namespace
}  // namespace outpools::testing
