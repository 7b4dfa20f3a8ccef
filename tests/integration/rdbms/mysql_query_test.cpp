// mysql driver against a real MariaDB: types, parameters, prepared statements, transactions and
// server errors.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <limits>

#include "integration/rdbms/mysql_test_support.hpp"
#include "support/comma_numbers.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::bytes;
using rdbms::query_result;
using rdbms::value;

// A table of its own per test process, dropped at the end.
struct scratch_table {
  explicit scratch_table(rdbms::client& c)
      : client(c), name("outpools_mysql_t" + std::to_string(::getpid())) {
    query_result r = client.query("CREATE TABLE " + name +
                                  " (id BIGINT PRIMARY KEY, label VARCHAR(64), score DOUBLE, "
                                  "payload BLOB) ENGINE=InnoDB");
    EXPECT_TRUE(r.ok()) << r.diagnostics;
  }
  ~scratch_table() { client.query("DROP TABLE IF EXISTS " + name); }
  std::int64_t count() {
    query_result r = client.query("SELECT COUNT(*) FROM " + name);
    EXPECT_TRUE(r.ok()) << r.diagnostics;
    return r.ok() ? std::get<std::int64_t>(r.rows.at(0).at(0)) : -1;
  }
  rdbms::client& client;
  std::string name;
};

TEST(mysql_query, types_and_nulls_round_trip) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  query_result r = db.client.query(
      "SELECT 42 AS i, CAST(-9000000000 AS SIGNED) AS big, 2.5e0 AS d, 'héllo' AS t, NULL AS n, "
      "X'00FF27' AS b, CAST(12.34 AS DECIMAL(6,2)) AS dec_col, DATE '2024-02-29' AS day, "
      "18446744073709551615 AS huge");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.columns.size(), 9u);
  EXPECT_EQ(r.columns[0], "i");
  const rdbms::row& row = r.rows.at(0);
  EXPECT_EQ(row[0], value(std::int64_t{42}));
  EXPECT_EQ(row[1], value(std::int64_t{-9000000000}));
  EXPECT_EQ(row[2], value(2.5));
  EXPECT_EQ(row[3], value(std::string("héllo")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[4]));
  EXPECT_EQ(row[5], value(bytes{{0x00, 0xFF, 0x27}}));
  EXPECT_EQ(row[6], value(std::string("12.34")));
  EXPECT_EQ(row[7], value(std::string("2024-02-29")));
  EXPECT_EQ(row[8], value(std::string("18446744073709551615")));
}

TEST(mysql_query, parameters_of_every_kind) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  const std::string tricky = "it's a \"quote\", a \\ backslash, a ? mark and ☃";
  const bytes raw{{0x00, 0x01, 0x27, 0x5C, 0xFF}};
  query_result r = db.client.query(
      "SELECT ? AS t, ? AS i, ? AS d, ? AS n, ? AS b, ? AS flag, ? + 1 AS inferred, '?' AS q",
      {value(tricky), value(std::int64_t{-7}), value(0.1), value(), value(raw), value(true),
       value(std::string("41"))});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  const rdbms::row& row = r.rows.at(0);
  EXPECT_EQ(row[0], value(tricky));
  EXPECT_EQ(row[1], value(std::int64_t{-7}));
  EXPECT_EQ(row[2], value(0.1));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[3]));
  EXPECT_EQ(row[4], value(raw));
  EXPECT_EQ(row[5], value(std::int64_t{1}));   // MySQL has no boolean type: TRUE is 1
  EXPECT_EQ(to_text(row[6]), "42");            // text sent untyped: the server inferred a number
  EXPECT_EQ(row[7], value(std::string("?")));  // a quoted ? is not a placeholder
}

TEST(mysql_query, a_wrong_number_of_values_is_refused_before_running) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  scratch_table table(db.client);
  expect_a_wrong_number_of_values_is_refused_before_running(db.client, table.name);
  // An executable comment is run by the server: its ? is a placeholder; a plain comment's is not.
  query_result r = db.client.query("SELECT 1 /*!50000 + ? */ /*M! + ? */ /* ? */ AS a",
                                   {value(std::int64_t{2}), value(std::int64_t{3})});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(std::int64_t{6}));
}

// An application whose locale writes numbers with a decimal comma (LC_NUMERIC=de_DE.UTF-8):
// doubles are still sent and read in the server's form ("1,25e0" would be two values, "2.5"
// read as 2); NaN and infinities, which MariaDB has no literal for, are refused with the reason.
TEST(mysql_query, doubles_are_sent_and_read_whatever_the_locale) {
  comma_numbers comma;  // before the pool's threads start
  ASSERT_TRUE(comma.active());
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  query_result r =
      db.client.query("SELECT ? * 2 AS d, CAST(0.5 AS DOUBLE), -1.5e-300", {value(1.25)});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(2.5));
  EXPECT_EQ(r.rows.at(0).at(1), value(0.5));
  EXPECT_EQ(r.rows.at(0).at(2), value(-1.5e-300));
  query_result nan = db.client.query("SELECT ?", {value(std::nan(""))});
  EXPECT_EQ(nan.error, errc::invalid_argument) << nan.diagnostics;
  EXPECT_NE(nan.diagnostics.find("parameter 1 is NaN"), std::string::npos) << nan.diagnostics;
  db.client.prepare("twice", "SELECT ? * 2");
  query_result prepared = db.client.execute("twice", {value(0.75)});
  ASSERT_TRUE(prepared.ok()) << prepared.diagnostics;
  EXPECT_EQ(prepared.rows.at(0).at(0), value(1.5));
  query_result infinite =
      db.client.execute("twice", {value(-std::numeric_limits<double>::infinity())});
  EXPECT_EQ(infinite.error, errc::invalid_argument) << infinite.diagnostics;
  EXPECT_NE(infinite.diagnostics.find("parameter 1 is -Infinity"), std::string::npos)
      << infinite.diagnostics;
}

TEST(mysql_query, prepared_statements_with_a_table) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 2")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  scratch_table table(db.client);
  db.client.prepare("insert", "INSERT INTO " + table.name + " VALUES (?, ?, ?, ?)");
  db.client.prepare("by_id",
                    "SELECT id, label, score, payload FROM " + table.name + " WHERE id = ?");
  const bytes raw{{0xDE, 0xAD, 0x00, 0xBE, 0xEF}};
  for (std::int64_t id = 1; id <= 6; ++id) {  // several runs: each worker prepares once
    query_result ins =
        db.client.execute("insert", {value(id), value("label " + std::to_string(id)),
                                     value(id * 1.5), id % 2 ? value(raw) : value()});
    ASSERT_TRUE(ins.ok()) << ins.diagnostics;
    EXPECT_EQ(ins.affected_rows, 1u);
  }
  for (std::int64_t id = 1; id <= 6; ++id) {
    query_result sel = db.client.execute("by_id", {value(id)});
    ASSERT_TRUE(sel.ok()) << sel.diagnostics;
    ASSERT_EQ(sel.rows.size(), 1u);
    EXPECT_EQ(sel.columns, (std::vector<std::string>{"id", "label", "score", "payload"}));
    EXPECT_EQ(sel.rows[0][0], value(id));
    EXPECT_EQ(sel.rows[0][1], value("label " + std::to_string(id)));
    EXPECT_EQ(sel.rows[0][2], value(id * 1.5));
    if (id % 2)
      EXPECT_EQ(sel.rows[0][3], value(raw));
    else
      EXPECT_TRUE(std::holds_alternative<std::monostate>(sel.rows[0][3]));
  }
  query_result upd = db.client.query("UPDATE " + table.name + " SET score = ? WHERE id > ?",
                                     {value(0.0), value(std::int64_t{3})});
  ASSERT_TRUE(upd.ok()) << upd.diagnostics;
  EXPECT_EQ(upd.affected_rows, 3u);

  // A statement that fails to prepare reports the server's error and can be fixed by name.
  db.client.prepare("broken", "SELEC 1");
  query_result broken = db.client.execute("broken");
  EXPECT_EQ(broken.error, errc::server_error);
  EXPECT_EQ(broken.sqlstate, "42000") << broken.diagnostics;
  query_result dup = db.client.execute(
      "insert", {value(std::int64_t{1}), value(std::string("again")), value(), value()});
  EXPECT_EQ(dup.error, errc::server_error);
  EXPECT_EQ(dup.sqlstate, "23000") << dup.diagnostics;
}

// Connector/C refuses to read an answer with other columns than the statement was prepared
// with (CR_NEW_STMT_METADATA), and left it unread the connection was out of sync.
TEST(mysql_query, a_prepared_select_follows_its_table_altered) {
  expect_a_prepared_select_follows_its_table_altered(
      spec_from_toml(mysql_toml("workers = 1")), "outpools_my_alter_" + std::to_string(::getpid()));
}

TEST(mysql_query, a_prepared_write_whose_answer_changed_columns_is_not_run_twice) {
  expect_a_changed_answer_of_a_prepared_write_is_not_run_again(
      spec_from_toml(mysql_toml("workers = 1")), "outpools_my_ret_" + std::to_string(::getpid()));
}

// MySQL commits implicitly before and after DDL: a CREATE TABLE ends the transaction too.
TEST(mysql_query, a_statement_ending_the_transaction_fails_it_and_nothing_more_is_sent) {
  const pool_spec spec = spec_from_toml(mysql_toml("workers = 1"));
  const std::string table = "outpools_my_end_" + std::to_string(::getpid());
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "COMMIT", 1);
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "ROLLBACK", 0);
  expect_a_statement_ending_the_transaction_fails_it(spec, table,
                                                     "CREATE TABLE " + table + "_b (x INT)", 1);
  rdbms_pool db(spec);
  db.client.query("DROP TABLE IF EXISTS " + table + "_b");
}

TEST(mysql_query, empty_bytes_are_not_null) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  expect_empty_bytes_are_not_null(db.client, "SELECT CAST(? AS BINARY), ? IS NULL");
}

TEST(mysql_query, a_name_registered_again_runs_its_new_text) {
  expect_a_name_registered_again_runs_its_new_text(spec_from_toml(mysql_toml("workers = 1")));
}

TEST(mysql_query, a_prepared_call_gives_its_rows_and_leaves_the_connection_in_sync) {
  // A CALL answers with its result set and then a status; both must be read, or the next
  // statement on the connection fails ("commands out of sync").
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::string procedure = "outpools_call_" + std::to_string(::getpid());
  // Two result sets, then the status: the first is the call's, the second is read and dropped.
  ASSERT_TRUE(db.client
                  .query("CREATE OR REPLACE PROCEDURE " + procedure +
                         "(x INT) BEGIN SELECT x + 1 AS n, 'two' AS t; SELECT 3 AS other; END")
                  .ok());
  db.client.prepare("call", "CALL " + procedure + "(?)");
  for (std::int64_t i = 1; i <= 3; ++i) {
    query_result r = db.client.execute("call", {value(i)});
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    EXPECT_EQ(r.columns, (std::vector<std::string>{"n", "t"}));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], value(i + 1));
    query_result next = db.client.query("SELECT 5");
    ASSERT_TRUE(next.ok()) << next.diagnostics;
  }
  EXPECT_EQ(db.p->stats().reconnects, 0u);
  db.client.query("DROP PROCEDURE " + procedure);
}

TEST(mysql_query, a_prepared_call_failing_after_its_first_result_reports_the_error) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::string procedure = "outpools_fail_" + std::to_string(::getpid());
  ASSERT_TRUE(db.client
                  .query("CREATE OR REPLACE PROCEDURE " + procedure +
                         "() BEGIN SELECT 1 AS n; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = "
                         "'stopped half-way'; END")
                  .ok());
  db.client.prepare("fail", "CALL " + procedure + "()");
  query_result r = db.client.execute("fail");
  EXPECT_EQ(r.error, errc::server_error) << r.diagnostics;
  EXPECT_EQ(r.sqlstate, "45000") << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("stopped half-way"), std::string::npos) << r.diagnostics;
  // The connection is whole again (or replaced) for the next statement.
  query_result next = db.client.query("SELECT 5");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  db.client.query("DROP PROCEDURE " + procedure);
}

// Values longer than a prepared statement's column buffers (rows are fetched unbuffered, so
// their lengths are not known before) come back whole, as with the text protocol.
TEST(mysql_query, long_values_come_back_whole) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::string sql =
      "SELECT REPEAT('ab', 50000) AS t, CAST(REPEAT('x', 70000) AS BINARY) AS b, 7 AS n "
      "FROM seq_1_to_3";
  db.client.prepare("long_values", sql);
  for (const query_result& r : {db.client.query(sql), db.client.execute("long_values")}) {
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    ASSERT_EQ(r.rows.size(), 3u);
    for (const auto& row : r.rows) {
      const std::string* text = std::get_if<std::string>(&row.at(0));
      ASSERT_NE(text, nullptr);
      EXPECT_EQ(text->size(), 100000u);
      EXPECT_EQ(text->substr(0, 4), "abab");
      const bytes* raw = std::get_if<bytes>(&row.at(1));
      ASSERT_NE(raw, nullptr);
      EXPECT_EQ(raw->data.size(), 70000u);
      EXPECT_EQ(row.at(2), value(std::int64_t{7}));
    }
  }
}

TEST(mysql_query, transactions_commit_and_roll_back) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  scratch_table table(db.client);
  const std::string insert = "INSERT INTO " + table.name + " (id, label) VALUES (?, ?)";

  call_result committed = db.client.transaction_blocking(
      [insert](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        std::vector<value> first{value(std::int64_t{1}), value(std::string("a"))};
        std::vector<value> second{value(std::int64_t{2}), value(std::string("b"))};
        query_result a = co_await tx.query(insert, first);
        if (!a.ok()) co_return a;
        query_result b = co_await tx.query(insert, second);
        co_return b;
      });
  ASSERT_TRUE(committed.ok()) << committed.diagnostics;
  EXPECT_EQ(table.count(), 2);

  call_result rolled_back = db.client.transaction_blocking(
      [insert](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        std::vector<value> params{value(std::int64_t{3}), value(std::string("c"))};
        co_await tx.query(insert, params);
        co_return call_result::failure(errc::job_failed, "changed my mind");
      });
  EXPECT_EQ(rolled_back.error, errc::job_failed);
  EXPECT_EQ(table.count(), 2);

  // A failing statement rolls the whole transaction back.
  call_result failed = db.client.transaction_blocking(
      [insert](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        std::vector<value> fresh{value(std::int64_t{4}), value(std::string("d"))};
        std::vector<value> duplicate{value(std::int64_t{1}), value(std::string("duplicate"))};
        co_await tx.query(insert, fresh);
        co_await tx.query(insert, duplicate);
        co_return call_result::success();
      });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(table.count(), 2);

  // A transaction spans one call: a BEGIN left open is rolled back before the next call, whose
  // statement then commits on its own.
  ASSERT_TRUE(db.client.query("BEGIN").ok());
  ASSERT_TRUE(db.client.query(insert, {value(std::int64_t{5}), value(std::string("e"))}).ok());
  EXPECT_EQ(table.count(), 3);
}

TEST(mysql_query, server_errors_carry_the_sqlstate) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  query_result missing = db.client.query("SELECT * FROM outpools_no_such_table");
  EXPECT_EQ(missing.error, errc::server_error);
  EXPECT_EQ(missing.sqlstate, "42S02");
  EXPECT_NE(missing.diagnostics.find("SQLSTATE 42S02"), std::string::npos) << missing.diagnostics;
  EXPECT_NE(missing.diagnostics.find("outpools_no_such_table"), std::string::npos)
      << missing.diagnostics;

  query_result syntax = db.client.query("SELEC 1");
  EXPECT_EQ(syntax.error, errc::server_error);
  EXPECT_EQ(syntax.sqlstate, "42000");

  // The connection stays usable after server errors.
  query_result fine = db.client.query("SELECT 1");
  ASSERT_TRUE(fine.ok()) << fine.diagnostics;
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

}  // namespace
}  // namespace outpools::testing
