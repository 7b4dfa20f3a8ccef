// odbc driver (psqlODBC) when things go wrong: statements past call_timeout and killed backends.
#include <gtest/gtest.h>

#include <unistd.h>
#include <csignal>
#include <future>
#include <thread>
#include <vector>

#include "drivers/rdbms/odbc/odbc_connect_lock.hpp"
#include "drivers/rdbms/odbc/odbc_connection.hpp"
#include "drivers/rdbms/odbc/odbc_connection_string.hpp"
#include "drivers/rdbms/odbc/odbc_session.hpp"
#include "integration/rdbms/cancel_swallowing_proxy.hpp"
#include "integration/rdbms/odbc_test_support.hpp"
#include "integration/rdbms/silent_tcp_server.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;
using rdbms::value;
using clock_type = std::chrono::steady_clock;

// The statements active on the server, seen from another connection.
const std::string count_sql =
    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE ? AND "
    "pid <> pg_backend_pid()";

TEST(odbc_failure, statement_past_call_timeout_is_cancelled_on_the_server) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 200")));
  rdbms_pool observer(spec_from_toml(odbc_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  ASSERT_TRUE(observer.p->wait_connected(10s));

  auto start = clock_type::now();
  query_result r = db.client.query("SELECT pg_sleep(10) /* outpools-cancel-me */");
  auto elapsed = clock_type::now() - start;
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
  EXPECT_LT(elapsed, 2000ms) << "the sleep would end at 10 s";

  // SQLCancel stops the statement on the server, well before the sleep would end.
  EXPECT_TRUE(stops_running(observer, count_sql, "%outpools-cancel-me%"))
      << "the statement still runs on the server";

  // The next call on that (only) worker succeeds, on the same connection.
  query_result next = db.client.query("SELECT 7");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(next.rows.at(0).at(0)), 7);
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// With StepAPI=1, SQLite's driver steps its statement in SQLFetch: a long result is read row by
// row after SQLExecute has returned (as psqlODBC's UseDeclareFetch=1 does). A call cut at
// call_timeout there stops being read, so the worker is free again at once — not after every
// row, or after the cancel's grace period (connect_timeout) when the connection is given up.
TEST(odbc_failure, a_result_being_read_past_call_timeout_stops_being_read) {
  use_services_odbc_ini();
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 300\nconnect_timeout = 20000",
                                         "OUTPOOLS_ODBC_SQLITE_DSN", "", ";StepAPI=1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const auto start = clock_type::now();
  query_result r = db.client.query(
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s LIMIT 50000000) "
      "SELECT n FROM s");
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
  EXPECT_LT(clock_type::now() - start, 2000ms);

  const auto next_start = clock_type::now();
  query_result next = db.client.query("SELECT 7");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(to_text(next.rows.at(0).at(0)), "7");  // SQLite types an expression as text
  EXPECT_LT(clock_type::now() - next_start, 2000ms) << "the worker went on reading the rows";
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// psqlODBC with UseDeclareFetch=1 reads a result a block at a time in SQLFetch. A call cut at
// call_timeout while its rows are fetched stops being read; no SQLCancel reaches the statement
// between two SQLFetch calls (drivers take it for SQLFreeStmt(SQL_CLOSE) there, and free the
// cursor under the fetching thread), and the connection goes on.
TEST(odbc_failure, a_result_fetched_a_block_at_a_time_past_call_timeout_stops_being_read) {
  use_services_odbc_ini();
  rdbms_pool fetching(
      spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 300", "OUTPOOLS_ODBC_PG_DSN", "",
                               ";UseDeclareFetch=1;Fetch=100")));
  ASSERT_TRUE(fetching.p->wait_connected(10s));
  for (int round = 0; round < 5; ++round) {
    const auto start = clock_type::now();
    query_result r =
        fetching.client.query("SELECT g, repeat('x', 100) FROM generate_series(1, 50000000) g");
    EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
    EXPECT_LT(clock_type::now() - start, 2000ms);
    const auto next_start = clock_type::now();
    query_result next = fetching.client.query("SELECT 7");
    ASSERT_TRUE(next.ok()) << next.diagnostics;
    EXPECT_EQ(std::get<std::int64_t>(next.rows.at(0).at(0)), 7);
    EXPECT_LT(clock_type::now() - next_start, 2000ms) << "the worker went on reading the rows";
  }
  EXPECT_EQ(fetching.p->stats().reconnects, 0u);
}

// SQLite's SQLCancel calls sqlite3_interrupt and then frees the statement's cursor itself, from
// the cancelling thread, under the one executing it: it is never sent. psqlODBC's is a cancel
// request to the server, safe beside the statement's thread.
TEST(odbc_session, sqlcancel_from_another_thread_is_not_sent_to_sqlite) {
  use_services_odbc_ini();
  rdbms::odbc_session lite;
  ASSERT_TRUE(lite.connect("DSN=" + service("OUTPOOLS_ODBC_SQLITE_DSN"), 5s).ok());
  EXPECT_FALSE(lite.sqlcancel_is_thread_safe());
  rdbms::odbc_session pg;
  ASSERT_TRUE(pg.connect("DSN=" + service("OUTPOOLS_ODBC_PG_DSN"), 5s).ok());
  EXPECT_TRUE(pg.sqlcancel_is_thread_safe());
}

// So a SQLite statement past call_timeout is answered `timeout` at call_timeout and runs on to
// its end on its connection (no SQLCancel to interrupt it; the grace period, connect_timeout,
// bounds it), and the worker's next call then succeeds on the same connection.
TEST(odbc_failure, a_sqlite_statement_past_call_timeout_is_answered_and_runs_to_its_end) {
  use_services_odbc_ini();
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 200\nconnect_timeout = 30000",
                                         "OUTPOOLS_ODBC_SQLITE_DSN")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  for (int round = 0; round < 3; ++round) {
    const auto start = clock_type::now();
    query_result r = db.client.query(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s LIMIT 1500000) "
        "SELECT count(*) FROM s");
    EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
    EXPECT_LT(clock_type::now() - start, 2000ms);
    // The worker is busy until the statement ends: calls meanwhile time out waiting for it.
    query_result next;
    const auto until = clock_type::now() + 20s;
    do next = db.client.query("SELECT 7");
    while (!next.ok() && next.error == errc::timeout && clock_type::now() < until);
    ASSERT_TRUE(next.ok()) << next.diagnostics;
    EXPECT_EQ(to_text(next.rows.at(0).at(0)), "7");
  }
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

TEST(odbc_failure, timeout_inside_a_transaction_rolls_it_back) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 300")));
  call_result tx = db.client.transaction_blocking(
      [](rdbms::transaction& t) -> boost::asio::awaitable<call_result> {
        co_await t.query("SELECT pg_sleep(10)");
        co_return call_result::success();
      });
  EXPECT_EQ(tx.error, errc::timeout) << tx.diagnostics;
  // reset() rolled back: the next statement runs outside any transaction block.
  query_result r = db.client.query("SELECT now() = statement_timestamp()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(true));
}

TEST(odbc_failure, a_transaction_answered_timeout_sends_no_more_statements) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 300")));
  expect_no_statement_after_the_answer(db, "SELECT pg_sleep(10)");
}

// A call that leaves a transaction open does not hand it to the next caller: rolled back first.
TEST(odbc_failure, a_transaction_left_open_by_a_call_is_rolled_back_before_the_next) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  ASSERT_TRUE(db.client.query("BEGIN").ok());
  query_result r = db.client.query("SELECT now() = statement_timestamp()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(true)) << "the statement ran in the old transaction";
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// The transaction is known from the statement's words: a BEGIN behind a comment is rolled back
// before the next call too.
TEST(odbc_failure, a_transaction_opened_behind_a_comment_is_rolled_back_too) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  for (const char* begin : {"/* app */ BEGIN", "-- app\nBEGIN"}) {
    ASSERT_TRUE(db.client.query(begin).ok()) << begin;
    query_result r = db.client.query("SELECT now() = statement_timestamp()");
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    EXPECT_EQ(r.rows.at(0).at(0), value(true)) << "the statement ran in the transaction " << begin;
  }
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// A pool stopped while a statement runs returns only once its SQLCancel (500 ms late through
// the proxy) has landed: a process that exits after the stop would otherwise end the side thread
// with it, and the statement ran on to its end.
TEST(odbc_failure, a_pool_stopped_mid_statement_waits_until_its_cancel_landed) {
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")),
                                cancel_swallowing_proxy::protocol::pgsql, 500ms);
  use_services_odbc_ini();
  rdbms_pool observer(spec_from_toml(odbc_toml("workers = 1")));
  rdbms_pool db(
      spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 60000", "OUTPOOLS_ODBC_PG_DSN", "",
                               ";Port=" + std::to_string(proxy.port()))));
  expect_the_stop_waits_for_its_cancel(
      db, observer,
      "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE ? AND pid <> pg_backend_pid()",
      "SELECT pg_sleep(20) /* outpools-stop-me */", "%outpools-stop-me%", 500ms);
  EXPECT_EQ(proxy.cancels_held(), 1);
}

// psqlODBC's SQLCancel is libpq's PQcancel: against a server that never answers cancel requests
// it blocks for ever, one thread each. Those threads are bounded; every call is still answered
// `timeout` at its call_timeout, and the pool serves on.
TEST(odbc_failure, unanswered_cancel_requests_in_flight_are_bounded) {
  auto proxy = std::make_unique<cancel_swallowing_proxy>(std::stoi(service("OUTPOOLS_PGSQL_PORT")));
  constexpr int workers = 4, rounds = 6;
  use_services_odbc_ini();
  // The data source, its server reached through the proxy (Port overrides the DSN's);
  // next_worker: the 4 calls of a round go to the 4 workers, one each.
  rdbms_pool through(spec_from_toml(
      "[outgoing_pools.rdbms.default]\nworkers = 4\nstrategy = \"next_worker\"\n"
      "call_timeout = 100\nconnect_timeout = 300\nreconnect_backoff_min = 10\n"
      "reconnect_backoff_max = 50\n[outgoing_pools.rdbms.default.connection]\n"
      "driver = \"odbc\"\nsettings = \"DSN=" +
      service("OUTPOOLS_ODBC_PG_DSN") + ";Port=" + std::to_string(proxy->port()) + "\"\n"));
  run_rounds_of_timed_out_calls(through, workers, rounds, "SELECT pg_sleep(5)");
  EXPECT_GE(proxy->cancels_held(), workers);
  EXPECT_LE(proxy->cancels_held(), rdbms::odbc_connection::max_side_cancels_in_flight);
  query_result fine;
  for (int tries = 0; tries < 50 && !(fine = through.client.query("SELECT 1")).ok(); ++tries) {
  }
  EXPECT_TRUE(fine.ok()) << fine.diagnostics;
  // The held requests end (the proxy closes them): every side thread returns.
  proxy.reset();
  const auto until = clock_type::now() + 10s;
  while (rdbms::odbc_connection::side_cancels_in_flight() > 0 && clock_type::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(rdbms::odbc_connection::side_cancels_in_flight(), 0);
}

TEST(odbc_failure, killed_backend_is_noticed_by_keepalive_and_replaced) {
  rdbms_pool db(spec_from_toml(
      odbc_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100",
                "OUTPOOLS_ODBC_PG_DSN", "keepalive_interval = 1")));
  rdbms_pool observer(spec_from_toml(odbc_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result before = db.client.query("SELECT pg_backend_pid()");
  ASSERT_TRUE(before.ok()) << before.diagnostics;
  const std::int64_t old_pid = std::get<std::int64_t>(before.rows.at(0).at(0));

  query_result killed =
      observer.client.query("SELECT pg_terminate_backend(?::int)", {value(old_pid)});
  ASSERT_TRUE(killed.ok()) << killed.diagnostics;

  // Without any call of ours, keepalive notices and the worker reconnects.
  EXPECT_TRUE(wait_reconnected(*db.p, 15s));
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result after = db.client.query("SELECT pg_backend_pid()");
  ASSERT_TRUE(after.ok()) << after.diagnostics;
  EXPECT_NE(std::get<std::int64_t>(after.rows.at(0).at(0)), old_pid);
}

// psqlODBC calls setlocale(LC_CTYPE, "") inside SQLDriverConnect and reads the name it
// returns, which a second connect's setlocale frees: connects at the same time must not overlap
// in the driver (under ASan the overlap is a heap-use-after-free; it was seen in the restart
// test, whose four workers reconnect together).
TEST(odbc_failure, many_workers_connecting_at_once_do_not_race_in_the_driver) {
  for (int round = 0; round < 10; ++round) {
    rdbms_pool db(spec_from_toml(odbc_toml("workers = 40\nconnect_timeout = 5000")));
    ASSERT_TRUE(db.p->wait_connected(30s))
        << "round " << round << ": " << db.p->stats().last_connect_error;
    query_result r = db.client.query("SELECT 1");
    ASSERT_TRUE(r.ok()) << r.diagnostics;
  }
}

TEST(odbc_connection_string, splits_into_pairs) {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(rdbms::connection_string_pairs("DSN=a; uid = me ;PWD={x;y=z}; Driver= {P Q} "),
            (pairs{{"DSN", "a"}, {" uid ", "me"}, {"PWD", "x;y=z"}, {" Driver", "P Q"}}));
  EXPECT_EQ(rdbms::connection_string_pairs("DSN=a;"), (pairs{{"DSN", "a"}}));
  EXPECT_EQ(rdbms::connection_string_pairs("garbage"), pairs{});
}

// Only connects that reach psqlODBC (or whose driver cannot be told) wait for each other: a
// hung PostgreSQL login must not hold up the connects of a MariaDB or SQLite pool.
TEST(odbc_connect_lock, psqlodbc_connects_are_serialised_and_others_are_not) {
  use_services_odbc_ini();
  const std::string pg = service("OUTPOOLS_ODBC_PG_DSN");
  EXPECT_TRUE(rdbms::connect_is_serialised("DSN=" + pg));
  EXPECT_TRUE(rdbms::connect_is_serialised("dsn=" + pg + ";UID=someone"));
  EXPECT_FALSE(rdbms::connect_is_serialised("DSN=" + service("OUTPOOLS_ODBC_MARIADB_DSN")));
  EXPECT_FALSE(rdbms::connect_is_serialised("DSN=" + service("OUTPOOLS_ODBC_SQLITE_DSN")));
  EXPECT_TRUE(rdbms::connect_is_serialised("DRIVER={PostgreSQL Unicode};SERVER=127.0.0.1"));
  EXPECT_TRUE(rdbms::connect_is_serialised("Driver=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"));
  EXPECT_FALSE(rdbms::connect_is_serialised("DRIVER={SQLite3};DSN=" + pg));  // the first decides
  EXPECT_TRUE(rdbms::connect_is_serialised("DSN=" + pg + ";DRIVER={SQLite3}"));
  EXPECT_TRUE(rdbms::connect_is_serialised("DSN=outpools_no_such_dsn"));  // cannot tell
  EXPECT_TRUE(rdbms::connect_is_serialised("UID=someone"));
  // unixODBC does not trim keys: "DRIVER =" is no DRIVER to it, so it cannot be told.
  EXPECT_TRUE(rdbms::connect_is_serialised("DRIVER ={SQLite3}"));
}

TEST(odbc_connect_lock, with_pgclientencoding_set_psqlodbc_connects_are_not_serialised) {
  use_services_odbc_ini();
  ::setenv("PGCLIENTENCODING", "UTF8", 1);  // a process of its own: no other thread reads it
  EXPECT_FALSE(rdbms::connect_is_serialised("DSN=" + service("OUTPOOLS_ODBC_PG_DSN")));
  EXPECT_FALSE(rdbms::connect_is_serialised("DRIVER={PostgreSQL Unicode};SERVER=127.0.0.1"));
  ::setenv("PGCLIENTENCODING", "", 1);  // empty: as unset
  EXPECT_TRUE(rdbms::connect_is_serialised("DSN=" + service("OUTPOOLS_ODBC_PG_DSN")));
  ::unsetenv("PGCLIENTENCODING");  // libpq refuses an empty one: not for the tests after this
}

// A psqlODBC pool whose server accepts and never answers: its worker's login hangs inside
// SQLDriverConnect for up to its connect_timeout (10 s). How long a second psqlODBC pool, to a
// working server, takes to answer a call meanwhile.
struct beside_a_hung_login {
  query_result call;
  clock_type::duration took{};
  std::string last_connect_error;
};
beside_a_hung_login call_beside_a_hung_psqlodbc_login() {
  use_services_odbc_ini();
  silent_tcp_server hung;  // accepts, reads, never answers
  rdbms_pool stuck(
      spec_from_toml("[outgoing_pools.rdbms.stuck]\nworkers = 1\nconnect_timeout = 10000\n"
                     "[outgoing_pools.rdbms.stuck.connection]\ndriver = \"odbc\"\n"
                     "settings = \"Driver=PostgreSQL Unicode;Servername=127.0.0.1;Port=" +
                     std::to_string(hung.port()) + ";Database=postgres;Username=postgres\"\n"));
  const auto until = clock_type::now() + 5s;
  while (hung.accepted() == 0 && clock_type::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hung.accepted(), 1) << "the hung pool's login never reached its server";
  std::this_thread::sleep_for(200ms);  // well inside SQLDriverConnect, waiting for an answer
  rdbms_pool working(
      spec_from_toml(odbc_toml("workers = 1\nconnect_timeout = 2000\ncall_timeout = 4000")));
  beside_a_hung_login out;
  const auto started = clock_type::now();
  out.call = working.client.query("SELECT 1");
  out.took = clock_type::now() - started;
  out.last_connect_error = working.p->stats().last_connect_error;
  return out;
}

TEST(odbc_failure, with_pgclientencoding_a_hung_psqlodbc_login_holds_up_no_other_pool) {
  ::setenv("PGCLIENTENCODING", "UTF8", 1);  // before any thread of this process starts
  const beside_a_hung_login r = call_beside_a_hung_psqlodbc_login();
  EXPECT_TRUE(r.call.ok()) << r.call.diagnostics << " / " << r.last_connect_error;
  EXPECT_LT(r.took, 2s) << "the call waited for the hung pool's login";
}

TEST(odbc_failure, without_pgclientencoding_a_connect_waiting_for_a_hung_login_says_why) {
  ::unsetenv("PGCLIENTENCODING");  // before any thread of this process starts
  const beside_a_hung_login r = call_beside_a_hung_psqlodbc_login();
  // The working pool's connects wait their turn behind the hung login, at most connect_timeout.
  EXPECT_FALSE(r.call.ok());
  EXPECT_LT(r.took, 6s) << "the call outlived its call_timeout (4 s)";
  EXPECT_NE(r.last_connect_error.find("another psqlODBC connect of this process has not "
                                      "returned"),
            std::string::npos)
      << r.last_connect_error;
  EXPECT_NE(r.last_connect_error.find("PGCLIENTENCODING"), std::string::npos)
      << r.last_connect_error;
}

TEST(odbc_failure, copy_streams_are_refused_before_they_reach_the_driver) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 3000")));
  for (const char* sql :
       {"COPY pg_class TO STDOUT", " copy (SELECT 1) to stdout", "COPY outpools_nowhere FROM STDIN",
        "/* app */ COPY pg_class TO STDOUT", "SELECT 1; COPY pg_class TO STDOUT"}) {
    const auto started = clock_type::now();
    query_result r = db.client.query(sql);
    EXPECT_EQ(r.error, errc::invalid_argument) << sql << ": " << r.diagnostics;
    EXPECT_NE(r.diagnostics.find("not supported through ODBC"), std::string::npos) << sql;
    EXPECT_LT(clock_type::now() - started, 1s) << sql;
  }
  query_result next = db.client.query("SELECT 1");  // the connection was never involved
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// A statement whose backend is stopped (SIGSTOP) ignores SQLCancel: its call is stuck in the
// driver. It is answered `timeout`; stopping the pool then, within the cancel's grace period
// (connect_timeout), must not wait for it.
TEST(odbc_failure, a_pool_stops_without_waiting_for_a_call_stuck_in_the_driver) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to stop a PostgreSQL backend";
  rdbms_pool observer(spec_from_toml(odbc_toml("workers = 1")));
  auto db = std::make_unique<rdbms_pool>(
      spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 1500\nconnect_timeout = 8000")));
  ASSERT_TRUE(db->p->wait_connected(10s)) << db->p->stats().last_connect_error;
  std::promise<query_result> answered;
  db->client.async_query("SELECT pg_sleep(30) /* stuck-in-driver */", {},
                         [&answered](query_result r) { answered.set_value(std::move(r)); });
  long pid = 0;
  for (int i = 0; i < 100 && pid == 0; ++i) {
    query_result r = observer.client.query(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30) /* stuck%'");
    if (r.ok() && !r.rows.empty()) pid = std::get<std::int64_t>(r.rows.at(0).at(0));
    if (pid == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(pid, 0) << "the statement never ran";
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
  auto answer = answered.get_future();
  const bool in_time = answer.wait_for(10s) == std::future_status::ready;
  if (in_time) {
    EXPECT_EQ(answer.get().error, errc::timeout);
  }
  const auto started = clock_type::now();
  db->p->stop();  // the stuck call's grace period (8 s) has not run out yet
  const auto took = clock_type::now() - started;
  ::kill(static_cast<pid_t>(pid), SIGCONT);
  ASSERT_TRUE(in_time) << "the call was not answered at its call_timeout";
  EXPECT_LT(took, 4s) << "the stop waited for the stuck call";
  const auto destroyed = clock_type::now();
  db.reset();  // the connection's destructor must not wait for the stuck thread either
  EXPECT_LT(clock_type::now() - destroyed, 5s);
}

TEST(odbc_connection_string, passwords_are_redacted_from_messages) {
  // unixODBC quotes a DRIVER value back, with whatever a brace took into it.
  auto redacted = [](const std::string& message, const std::string& settings) {
    return rdbms::redact_connection_secrets(message, settings);
  };
  EXPECT_EQ(redacted("Can't open lib 'NoSuchDriver;PWD=Secret4pw' : file not found",
                     "Driver={NoSuchDriver;PWD=Secret4pw"),
            "Can't open lib 'NoSuchDriver;PWD=****' : file not found");
  EXPECT_EQ(redacted("lib 'X;PWD=Secret4pw'", "Driver={X;PWD=Secret4pw};DATABASE=d"),
            "lib 'X;PWD=****'");
  EXPECT_EQ(redacted("lib 'X;PWD=a}b'", "Driver={X;PWD=a}}b}"), "lib 'X;PWD=****'");
  EXPECT_EQ(redacted("lib 'X; Pwd = pw two'", "Driver={X; Pwd = pw two"), "lib 'X; Pwd = ****'");
  EXPECT_EQ(redacted("lib 'X;PASSWORD=sec", "Driver={X;PASSWORD=secret"),  // cut short
            "lib 'X;PASSWORD=****");
  // A braced password holding ';' or a quote, its closing brace taken by the driver's.
  EXPECT_EQ(redacted("Can't open lib 'X;PWD={ab;cd' : file not found", "Driver={X;PWD={ab;cd}"),
            "Can't open lib 'X;PWD=****' : file not found");
  EXPECT_EQ(redacted("lib 'X;PWD={ab'cd' : no", "Driver={X;PWD={ab'cd}"), "lib 'X;PWD=****' : no");
  EXPECT_EQ(redacted("lib 'X;PWD=ab'cd' : no", "Driver={X;PWD=ab'cd"), "lib 'X;PWD=****' : no");
  EXPECT_EQ(redacted("PWD={a;b}} c}; then", "PWD={a;b}} c}"), "PWD=****; then");
  // A long password quoted without its key; a short one is left alone (it could be anything).
  EXPECT_EQ(redacted("no luck with long-secret-1", "UID=u;PWD={long-secret-1}"),
            "no luck with ****");
  EXPECT_EQ(redacted("user \"admin\" failed", "UID=admin;PWD=admin"), "user \"admin\" failed");
  EXPECT_EQ(redacted("password authentication failed", "DSN=x;UID=me"),
            "password authentication failed");
}

// A call through a one-worker odbc pool whose connection string is `settings` (which cannot
// connect); its error must not show the string's password, s3cr3t-value.
query_result call_failing_to_connect(const std::string& settings) {
  use_services_odbc_ini();
  rdbms_pool db(
      spec_from_toml("[outgoing_pools.rdbms.default]\nworkers = 1\ncall_timeout = 3000\n"
                     "reconnect_backoff_min = 1000\n[outgoing_pools.rdbms.default.connection]\n"
                     "driver = \"odbc\"\nsettings = \"" +
                     settings + "\"\n"));
  query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_EQ(r.diagnostics.find("s3cr3t-value"), std::string::npos) << r.diagnostics;
  EXPECT_EQ(db.p->stats().last_connect_error.find("s3cr3t-value"), std::string::npos);
  return r;
}

// Through psqlODBC, a password login (scram-sha-256): the right PWD connects; a wrong one is
// refused in the server's words, and no message shows it.
TEST(odbc_failure, a_password_login_takes_the_right_password_and_refuses_a_wrong_one) {
  use_services_odbc_ini();
  const std::string user = service("OUTPOOLS_PGSQL_SCRAM_USER");
  const auto login = [&](const std::string& password) {
    return spec_from_toml(odbc_toml("workers = 1\nreconnect_backoff_min = 1000",
                                    "OUTPOOLS_ODBC_PG_DSN", "",
                                    ";UID=" + user + ";PWD=" + password));
  };
  rdbms_pool db(login(service("OUTPOOLS_PGSQL_SCRAM_PASSWORD")));
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  query_result who = db.client.query("SELECT current_user");
  ASSERT_TRUE(who.ok()) << who.diagnostics;
  EXPECT_EQ(to_text(who.rows.at(0).at(0)), user);

  const std::string wrong = "not-the-password-7261";
  expect_refused_for_the_password(login(wrong), wrong,
                                  "password authentication failed for user \"" + user + "\"");
}

TEST(odbc_failure, a_malformed_connection_string_fails_without_showing_its_password) {
  query_result r = call_failing_to_connect("Driver={NoSuchDriver;PWD=s3cr3t-value");
  EXPECT_NE(r.diagnostics.find("ODBC connect failed"), std::string::npos) << r.diagnostics;
}

TEST(odbc_failure, unknown_data_source_fails_without_echoing_the_settings) {
  query_result r = call_failing_to_connect("DSN=outpools_no_such_dsn;PWD=s3cr3t-value");
  EXPECT_NE(r.diagnostics.find("IM002"), std::string::npos) << r.diagnostics;
}

}  // namespace
}  // namespace outpools::testing

namespace outpools::testing {
namespace {

TEST(odbc_failure, database_restart_under_load_fails_calls_in_time_and_recovers) {
  restart_outcome r = restart_under_load(
      spec_from_toml(odbc_toml("workers = 4\ncall_timeout = 500\nconnect_timeout = 500\n"
                               "reconnect_backoff_min = 20\nreconnect_backoff_max = 200")),
      "postgres");
  expect_survived_restart(r);
}

}  // namespace
}  // namespace outpools::testing
