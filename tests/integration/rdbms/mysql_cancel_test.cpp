// mysql: what a KILL QUERY that never lands costs — through a proxy that passes the connections
// to the real MariaDB and holds every KILL QUERY, unforwarded and unanswered.
#include <gtest/gtest.h>

#include "integration/rdbms/cancel_swallowing_proxy.hpp"
#include "integration/rdbms/mysql_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;

// mysql_toml's pool, its connections (and so its KILL QUERY side connections) through `proxy`.
pool_spec through(const cancel_swallowing_proxy& proxy, const std::string& pool_lines) {
  std::string toml = mysql_toml(pool_lines);
  const std::string real = "port = " + service("OUTPOOLS_MYSQL_PORT");
  toml.replace(toml.find(real), real.size(), "port = " + std::to_string(proxy.port()));
  return spec_from_toml(toml);
}

// The statement ends by itself while its KILL QUERY has no answer: the connection is not served
// again (the KILL, still somewhere on its way, could end the next caller's statement).
TEST(mysql_cancel, a_connection_whose_kill_query_is_unanswered_is_replaced) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_MYSQL_PORT")),
                                cancel_swallowing_proxy::protocol::mysql);
  // The grace period (connect_timeout, which also bounds the side connection's every step)
  // shorter than call_timeout, which also bounds the reset.
  rdbms_pool db(through(proxy, "workers = 1\ncall_timeout = 1500\nconnect_timeout = 1000"));
  expect_replaced_after_an_unanswered_cancel(db, "SELECT CONNECTION_ID()", "SELECT SLEEP(2)",
                                             [&proxy] { return proxy.cancels_held(); });
}

// A pool stopped while a statement runs returns only once its KILL QUERY (500 ms late through
// the proxy) has landed: a process that exits after the stop (`outpools call` on SIGINT) would
// otherwise end the KILL's side thread with it, and the statement ran on to its end.
TEST(mysql_cancel, a_pool_stopped_mid_statement_waits_until_its_kill_query_landed) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_MYSQL_PORT")),
                                cancel_swallowing_proxy::protocol::mysql, 500ms);
  rdbms_pool observer(spec_from_toml(mysql_toml("workers = 1")));
  rdbms_pool db(through(proxy, "workers = 1\ncall_timeout = 60000"));
  expect_the_stop_waits_for_its_cancel(
      db, observer,
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND "
      "ID <> CONNECTION_ID()",
      "SELECT SLEEP(20) /* outpools-stop-me */", "%outpools-stop-me%", 500ms);
  EXPECT_EQ(proxy.cancels_held(), 1);
}

}  // namespace
}  // namespace outpools::testing
