// odbc driver through MariaDB ODBC: types, parameter counts, cancelled mid-call, killed mid-call,
// procedures. A test binary of its own, under the mysql lock (a mysql test restarts that server):
// MariaDB ODBC's SQLCancel leaks 1 KiB inside the driver each time (LeakSanitizer, no frame of
// ours), which only this binary's suppression file (maodbc_cancel_leak.supp) lets pass, so every
// other odbc test stays fully leak-checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "integration/rdbms/odbc_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;
using rdbms::value;

// MariaDB ODBC: a BIGINT UNSIGNED comes back as the mysql driver gives it — an int64 when it
// fits, its decimal text when not — instead of failing the whole query (22003).
TEST(odbc_mariadb, unsigned_bigints_beyond_int64_come_back_as_text) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_MARIADB_DSN")));
  query_result r = db.client.query(
      "SELECT CAST(18446744073709551615 AS UNSIGNED) AS huge, CAST(7 AS UNSIGNED) AS small, "
      "CAST(-7 AS SIGNED) AS negative");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], value(std::string("18446744073709551615")));
  EXPECT_EQ(r.rows[0][1], value(std::int64_t{7}));
  EXPECT_EQ(r.rows[0][2], value(std::int64_t{-7}));
}

// MariaDB ODBC, too, drops values beyond the text's markers on SQLExecDirect without a word.
TEST(odbc_mariadb, a_wrong_number_of_values_is_refused_before_running) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_MARIADB_DSN")));
  const std::string table = "outpools_odbc_n" + std::to_string(::getpid());
  ASSERT_TRUE(db.client.query("CREATE OR REPLACE TABLE " + table + " (id BIGINT)").ok());
  expect_a_wrong_number_of_values_is_refused_before_running(db.client, table);
  db.client.query("DROP TABLE " + table);
}

// MariaDB's driver left the answer of a statement whose columns changed unread, and every later
// statement of the connection failed ("Commands out of sync").
TEST(odbc_mariadb, a_prepared_select_follows_its_table_altered) {
  expect_a_prepared_select_follows_its_table_altered(
      spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_MARIADB_DSN")),
      "outpools_odbc_alter_" + std::to_string(::getpid()));
}

TEST(odbc_mariadb, a_prepared_write_whose_answer_changed_columns_is_not_run_twice) {
  expect_a_changed_answer_of_a_prepared_write_is_not_run_again(
      spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_MARIADB_DSN")),
      "outpools_odbc_ret_" + std::to_string(::getpid()));
}

TEST(odbc_mariadb, empty_bytes_are_not_null) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_MARIADB_DSN")));
  expect_empty_bytes_are_not_null(db.client, "SELECT CAST(? AS BINARY), ? IS NULL");
}

// Waits until the pool's one worker is idle again (its cancelled call ended and was reset).
bool wait_ready(const pool& p) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    const pool_stats s = p.stats();
    if (!s.per_worker.empty() && s.per_worker[0].state == "ready") return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// A pool of one worker on the MariaDB data source.
std::string maria_toml() {
  return odbc_toml("workers = 1\ncall_timeout = 3000", "OUTPOOLS_ODBC_MARIADB_DSN");
}

// A procedure's rows come back through MariaDB ODBC, whose CALL ends with a status result of its
// own after them (the text's last result, which has no columns).
TEST(odbc_mariadb, a_procedures_rows_come_back) {
  use_services_odbc_ini();
  rdbms_pool db(spec_from_toml(maria_toml()));
  const std::string name = "outpools_odbc_p" + std::to_string(::getpid());
  ASSERT_TRUE(db.client
                  .query("CREATE OR REPLACE PROCEDURE " + name +
                         "() BEGIN SELECT 1 AS a UNION SELECT 2; END")
                  .ok());
  query_result r = db.client.query("CALL " + name + "()");
  db.client.query("DROP PROCEDURE IF EXISTS " + name);
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.columns, (std::vector<std::string>{"a"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1][0], value(std::int64_t{2}));
}

// A connection lost mid-call is `disconnected` with the driver's SQLSTATE, worded as a server
// error is ("SQLSTATE ...: " first), so `outpools call --json` gives both the same way.
TEST(odbc_mariadb, a_connection_killed_mid_call_carries_its_sqlstate) {
  use_services_odbc_ini();
  rdbms_pool db(spec_from_toml(maria_toml()));
  query_result r = db.client.query("KILL CONNECTION_ID()");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_EQ(r.sqlstate.size(), 5u) << r.diagnostics;
  EXPECT_TRUE(r.diagnostics.starts_with("SQLSTATE " + r.sqlstate + ": ")) << r.diagnostics;
}

// A call cancelled after its BEGIN ran ("BEGIN; SELECT SLEEP(10)": KILL QUERY ends the sleep,
// and the statement then succeeds, so the transaction is still open) is answered `timeout`; the
// worker still rolls that transaction back before the next call.
TEST(odbc_mariadb, a_transaction_begun_by_a_cancelled_call_is_rolled_back_before_the_next) {
  use_services_odbc_ini();
  rdbms_pool db(
      spec_from_toml(odbc_toml("workers = 1\ncall_timeout = 300", "OUTPOOLS_ODBC_MARIADB_DSN", "",
                               ";OPTION=67108864")));  // multi-statements
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result r = db.client.query("BEGIN; SELECT SLEEP(10)");
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
  ASSERT_TRUE(wait_ready(*db.p)) << "the worker did not finish the cancelled call";
  query_result next = db.client.query("SELECT @@in_transaction");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(to_text(next.rows.at(0).at(0)), "0")
      << "it ran inside the cancelled call's transaction";
}

}  // namespace
}  // namespace outpools::testing
