// pgsql: what a cancel request that never lands costs — through a proxy that passes the
// connections to the real server and holds every CancelRequest unanswered.
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

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

// Cancel requests during a network outage (their SYNs dropped) end at connect_timeout
// (tcp_user_timeout), so once the network is back the statements that time out are cancelled
// again. Those threads had waited for the kernel to give up their connects (minutes) and held
// the process's whole budget of cancel threads, so every statement timed out after the outage
// was left running on the server (250 backends piled up for 16 workers).
TEST(pgsql_cancel, cancels_a_dead_network_drops_end_so_those_after_it_are_sent) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")),
                                cancel_swallowing_proxy::protocol::pgsql, 0ms);
  constexpr int workers = max_cancel_requests_in_flight;  // one stuck cancel each: all of them
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  rdbms_pool db(through(proxy,
                        "workers = 16\nstrategy = \"next_worker\"\ncall_timeout = 200\n"
                        "connect_timeout = 1000\nreconnect_backoff_min = 50\n"
                        "reconnect_backoff_max = 200"));
  ASSERT_TRUE(wait_all_connected(*db.p, 10s));
  ASSERT_TRUE(observer.p->wait_connected(10s));
  const std::string count_sql =
      "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> "
      "pg_backend_pid()";
  const auto all_time_out = [&](const std::string& sql) {
    std::vector<std::future<query_result>> answers;
    for (int i = 0; i < workers; ++i)
      answers.push_back(std::async(std::launch::async, [&] { return db.client.query(sql); }));
    for (auto& a : answers) {
      query_result r = a.get();
      EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
    }
  };

  proxy.hold_new_connections();
  all_time_out("SELECT pg_sleep(30) /* outpools-outage-a */");
  // The cancels' SYNs go out again 1, 3, 7 and 15 s after the first: the network comes back
  // between the 7th and the 15th second, long after connect_timeout.
  std::this_thread::sleep_for(8s);
  proxy.let_new_connections_in();
  ASSERT_TRUE(wait_all_connected(*db.p, 10s)) << db.p->stats().last_connect_error;

  all_time_out("SELECT pg_sleep(30) /* outpools-outage-b */");
  EXPECT_TRUE(stops_running(observer, count_sql, "%outpools-outage-b%"))
      << "statements timed out after the outage were left running: no cancel was sent";
  // Those of the outage could not be cancelled: they are ended here.
  observer.client.query(
      "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE "
      "'%outpools-outage-%' AND pid <> pg_backend_pid()");
}

}  // namespace
}  // namespace outpools::testing
