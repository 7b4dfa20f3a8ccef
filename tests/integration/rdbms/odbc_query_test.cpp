// odbc driver against real data sources — PostgreSQL through psqlODBC, and SQLite: types,
// parameters, prepared statements, transactions and server errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include "integration/rdbms/odbc_test_support.hpp"
#include "support/comma_numbers.hpp"

// psqlODBC leaks one 48-byte block per process on its prepared-statement path (inside
// psqlodbcw.so, whose handles we all free): not ours to fix, so LeakSanitizer skips it.
extern "C" const char* __lsan_default_suppressions() { return "leak:psqlodbcw.so\n"; }

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::bytes;
using rdbms::query_result;
using rdbms::value;

bool is_null(const value& v) { return std::holds_alternative<std::monostate>(v); }

// A table of its own per test process, dropped at the end.
struct scratch_table {
  scratch_table(rdbms::client& c, const std::string& blob_type)
      : client(c), name("outpools_odbc_t" + std::to_string(::getpid())) {
    client.query("DROP TABLE IF EXISTS " + name);
    query_result r = client.query("CREATE TABLE " + name +
                                  " (id BIGINT PRIMARY KEY, label VARCHAR(64), score DOUBLE "
                                  "PRECISION, payload " +
                                  blob_type + ")");
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

TEST(odbc_query, pg_types_and_nulls_round_trip) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  query_result r = db.client.query(
      "SELECT 42::int AS i, (-9000000000)::bigint AS big, 2.5::float8 AS d, 'héllo'::text AS t, "
      "NULL::text AS n, '\\x00ff27'::bytea AS b, 12.34::numeric(6,2) AS dec_col, "
      "DATE '2024-02-29' AS day, true AS yes, false AS no");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.columns.size(), 10u);
  EXPECT_EQ(r.columns[0], "i");
  const rdbms::row& row = r.rows.at(0);
  EXPECT_EQ(row[0], value(std::int64_t{42}));
  EXPECT_EQ(row[1], value(std::int64_t{-9000000000}));
  EXPECT_EQ(row[2], value(2.5));
  EXPECT_EQ(row[3], value(std::string("héllo")));
  EXPECT_TRUE(is_null(row[4]));
  EXPECT_EQ(row[5], value(bytes{{0x00, 0xFF, 0x27}}));
  EXPECT_EQ(row[6], value(std::string("12.34")));
  EXPECT_EQ(row[7], value(std::string("2024-02-29")));
  // Typed booleans: the services' data source sets BoolsAsChar = 0 (psqlODBC's default, 1,
  // reports them as the text "1"/"0").
  EXPECT_EQ(row[8], value(true));
  EXPECT_EQ(row[9], value(false));
}

TEST(odbc_query, pg_parameters_of_every_kind) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  const std::string tricky = "it's a \"quote\", a \\ backslash, a ? mark and ☃";
  const bytes raw{{0x00, 0x01, 0x27, 0x5C, 0xFF}};
  query_result r = db.client.query(
      "SELECT ? AS t, ?::bigint AS i, ?::float8 AS d, ?::text AS n, ?::bytea AS b, ?::bool AS "
      "flag, "
      "?::int + 1 AS "
      "inferred",
      {value(tricky), value(std::int64_t{-7}), value(0.1), value(), value(raw), value(true),
       value(std::string("41"))});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  const rdbms::row& row = r.rows.at(0);
  EXPECT_EQ(row[0], value(tricky));
  EXPECT_EQ(row[1], value(std::int64_t{-7}));
  EXPECT_EQ(row[2], value(0.1));
  EXPECT_TRUE(is_null(row[3]));
  EXPECT_EQ(row[4], value(raw));
  EXPECT_EQ(row[5], value(true));
  EXPECT_EQ(row[6], value(std::int64_t{42}));
}

TEST(odbc_query, sqlite_types_parameters_and_nulls) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_SQLITE_DSN")));
  scratch_table table(db.client, "BLOB");
  const bytes raw{{0x00, 0xFF, 0x27}};
  query_result ins = db.client.query(
      "INSERT INTO " + table.name + " VALUES (?, ?, ?, ?)",
      {value(std::int64_t{1}), value(std::string("héllo ☃")), value(2.5), value(raw)});
  ASSERT_TRUE(ins.ok()) << ins.diagnostics;
  EXPECT_EQ(ins.affected_rows, 1u);
  ASSERT_TRUE(db.client
                  .query("INSERT INTO " + table.name + " VALUES (?, ?, ?, ?)",
                         {value(std::int64_t{2}), value(), value(), value()})
                  .ok());
  query_result r =
      db.client.query("SELECT id, label, score, payload FROM " + table.name + " ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0], value(std::int64_t{1}));
  EXPECT_EQ(r.rows[0][1], value(std::string("héllo ☃")));
  EXPECT_EQ(r.rows[0][2], value(2.5));
  EXPECT_EQ(r.rows[0][3], value(raw));
  for (int c = 1; c < 4; ++c) EXPECT_TRUE(is_null(r.rows[1][static_cast<std::size_t>(c)]));
}

// SQLite's driver runs a text whose first statement is DDL through sqlite3_exec: every
// statement ran and the call answered none of their results (a SELECT's rows lost, rc 0). Such
// a text is refused before anything runs; one statement, a trigger's body included, runs.
TEST(odbc_query, sqlite_refuses_a_text_of_several_statements_and_runs_none_of_them) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", "OUTPOOLS_ODBC_SQLITE_DSN")));
  const std::string name = "outpools_sqlite_multi_" + std::to_string(::getpid());
  db.client.query("DROP TABLE IF EXISTS " + name);
  for (const std::string& text :
       {"CREATE TABLE " + name + "(a); INSERT INTO " + name + " VALUES (1)",
        "CREATE TABLE IF NOT EXISTS " + name + "(a); SELECT 7 AS seven"}) {
    query_result r = db.client.query(text);
    EXPECT_EQ(r.error, errc::invalid_argument) << text << ": " << r.diagnostics;
    EXPECT_NE(r.diagnostics.find("holds 2"), std::string::npos) << r.diagnostics;
  }
  query_result absent =
      db.client.query("SELECT count(*) FROM sqlite_master WHERE name = ?", {value(name)});
  ASSERT_TRUE(absent.ok()) << absent.diagnostics;
  EXPECT_EQ(absent.rows.at(0).at(0), value(std::int64_t{0})) << "a statement of it ran";

  ASSERT_TRUE(db.client.query("CREATE TABLE " + name + "(a);").ok());
  query_result trigger =
      db.client.query("CREATE TRIGGER " + name + "_t AFTER INSERT ON " + name + " BEGIN UPDATE " +
                      name + " SET a = a + 1; UPDATE " + name + " SET a = a * 10; END;");
  ASSERT_TRUE(trigger.ok()) << trigger.diagnostics;
  ASSERT_TRUE(db.client.query("INSERT INTO " + name + " VALUES (1)").ok());
  query_result after = db.client.query("SELECT a FROM " + name);
  ASSERT_TRUE(after.ok()) << after.diagnostics;
  EXPECT_EQ(after.rows.at(0).at(0), value(std::int64_t{20}));
  db.client.query("DROP TABLE " + name);
}

class odbc_sources : public ::testing::TestWithParam<const char*> {};

// An application whose locale writes numbers with a decimal comma (LC_NUMERIC=de_DE.UTF-8):
// doubles are still sent and read as the data source means them.
TEST_P(odbc_sources, doubles_are_sent_and_read_whatever_the_locale) {
  comma_numbers comma;  // before the pool's threads start
  ASSERT_TRUE(comma.active());
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", GetParam())));
  query_result r = db.client.query(
      "SELECT CAST(? AS DOUBLE PRECISION) * 2, CAST(0.5 AS DOUBLE PRECISION), "
      "CAST(-1.5e-300 AS DOUBLE PRECISION)",
      {value(1.25)});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(rdbms::to_text(r.rows.at(0).at(0)), "2.5");
  EXPECT_EQ(rdbms::to_text(r.rows.at(0).at(1)), "0.5");
  EXPECT_EQ(rdbms::to_text(r.rows.at(0).at(2)), "-1.5e-300");
}

TEST_P(odbc_sources, prepared_statements_with_a_table) {
  const bool pg = std::string(GetParam()) == "OUTPOOLS_ODBC_PG_DSN";
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 2", GetParam())));
  ASSERT_TRUE(db.p->wait_connected(10s));
  scratch_table table(db.client, pg ? "BYTEA" : "BLOB");
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
      EXPECT_TRUE(is_null(sel.rows[0][3]));
  }
  query_result upd = db.client.query("UPDATE " + table.name + " SET score = ? WHERE id > ?",
                                     {value(0.0), value(std::int64_t{3})});
  ASSERT_TRUE(upd.ok()) << upd.diagnostics;
  EXPECT_EQ(upd.affected_rows, 3u);
  // A prepared statement given the wrong number of values is refused, whatever the driver does.
  for (const std::vector<value>& wrong :
       {std::vector<value>{}, std::vector<value>{value(std::int64_t{1}), value(std::int64_t{2})}}) {
    query_result r = db.client.execute("by_id", wrong);
    EXPECT_EQ(r.error, errc::invalid_argument) << r.diagnostics;
    EXPECT_NE(r.diagnostics.find("takes 1 parameter, " + std::to_string(wrong.size())),
              std::string::npos)
        << r.diagnostics;
  }
}

// Every driver here drops values beyond the text's markers on SQLExecDirect without a word.
TEST_P(odbc_sources, a_wrong_number_of_values_is_refused_before_running) {
  const bool pg = std::string(GetParam()) == "OUTPOOLS_ODBC_PG_DSN";
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", GetParam())));
  scratch_table table(db.client, pg ? "BYTEA" : "BLOB");
  expect_a_wrong_number_of_values_is_refused_before_running(db.client, table.name);
}

// SQLite's driver counts a statement's columns when SQLite has not yet read a schema another
// connection changed: the first run after the change (a plain query too) answers without the
// new column; it kept answering so before each run was prepared anew.
TEST_P(odbc_sources, a_prepared_select_follows_its_table_altered) {
  const bool sqlite = std::string(GetParam()) == "OUTPOOLS_ODBC_SQLITE_DSN";
  expect_a_prepared_select_follows_its_table_altered(
      spec_from_toml(odbc_toml("workers = 1", GetParam())),
      "outpools_odbc_alter_" + std::to_string(::getpid()), sqlite ? 1 : 0);
}

TEST_P(odbc_sources, a_statement_ending_the_transaction_fails_it_and_nothing_more_is_sent) {
  const pool_spec spec = spec_from_toml(odbc_toml("workers = 1", GetParam()));
  const std::string table = "outpools_odbc_end_" + std::to_string(::getpid());
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "COMMIT", 1);
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "ROLLBACK", 0);
}

TEST_P(odbc_sources, empty_bytes_are_not_null) {
  const bool pg = std::string(GetParam()) == "OUTPOOLS_ODBC_PG_DSN";
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", GetParam())));
  // psqlODBC prepares on the server, which cannot infer the type of a bare `? IS NULL`.
  expect_empty_bytes_are_not_null(db.client,
                                  pg ? "SELECT CAST(? AS bytea), CAST(? AS bytea) IS NULL"
                                     : "SELECT CAST(? AS BLOB), ? IS NULL");
}

TEST_P(odbc_sources, a_name_registered_again_runs_its_new_text) {
  expect_a_name_registered_again_runs_its_new_text(
      spec_from_toml(odbc_toml("workers = 1", GetParam())));
}

TEST_P(odbc_sources, transactions_commit_and_roll_back) {
  const bool pg = std::string(GetParam()) == "OUTPOOLS_ODBC_PG_DSN";
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", GetParam())));
  scratch_table table(db.client, pg ? "BYTEA" : "BLOB");
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

  // A transaction spans one call: a BEGIN left open is rolled back before the next call, whose
  // statement then commits on its own.
  ASSERT_TRUE(db.client.query("BEGIN").ok());
  ASSERT_TRUE(db.client.query(insert, {value(std::int64_t{5}), value(std::string("e"))}).ok());
  EXPECT_EQ(table.count(), 3);
}

TEST_P(odbc_sources, server_errors_carry_the_sqlstate) {
  const bool pg = std::string(GetParam()) == "OUTPOOLS_ODBC_PG_DSN";
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1", GetParam())));
  query_result missing = db.client.query("SELECT * FROM outpools_no_such_table");
  EXPECT_EQ(missing.error, errc::server_error);
  EXPECT_EQ(missing.sqlstate.size(), 5u) << missing.diagnostics;
  if (pg) {
    EXPECT_EQ(missing.sqlstate, "42P01") << missing.diagnostics;
  }
  EXPECT_NE(missing.diagnostics.find("outpools_no_such_table"), std::string::npos)
      << missing.diagnostics;
  // The connection stays usable after server errors.
  query_result fine = db.client.query("SELECT 1");
  ASSERT_TRUE(fine.ok()) << fine.diagnostics;
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// psqlODBC runs a text of several statements: an error in a later one fails the call (the
// server kept nothing of the text), it is not dropped behind the first one's result.
// As the pgsql driver (and PQexec) gives it: the last statement's result, not the first's.
TEST(odbc_query, pg_several_statements_give_the_last_ones_result) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  query_result r = db.client.query("SELECT 1 AS a; SELECT 'x' AS b, 2 AS c");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.columns, (std::vector<std::string>{"b", "c"}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (rdbms::row{value("x"), value(std::int64_t{2})}));
  r = db.client.query(
      "CREATE TEMP TABLE several (x int); INSERT INTO several VALUES (1), (2); "
      "SELECT count(*) AS n FROM several");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.columns, (std::vector<std::string>{"n"}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], value(std::int64_t{2}));
  r = db.client.query("SELECT 1; UPDATE several SET x = x + 1");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_TRUE(r.columns.empty());
  EXPECT_EQ(r.affected_rows, 2u);
}

TEST(odbc_query, pg_an_error_in_a_later_statement_of_the_text_fails_the_call) {
  rdbms_pool db(spec_from_toml(odbc_toml("workers = 1")));
  scratch_table table(db.client, "BYTEA");
  query_result r = db.client.query("INSERT INTO " + table.name +
                                   " (id) VALUES (1); SELECT * FROM outpools_no_such_table");
  EXPECT_EQ(r.error, errc::server_error) << r.diagnostics;
  EXPECT_EQ(r.sqlstate, "42P01") << r.diagnostics;
  query_result rows = db.client.query("SELECT count(*) FROM " + table.name);
  ASSERT_TRUE(rows.ok()) << rows.diagnostics;
  EXPECT_EQ(to_text(rows.rows.at(0).at(0)), "0") << "the text's first statement was kept";
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

INSTANTIATE_TEST_SUITE_P(dsn, odbc_sources,
                         ::testing::Values("OUTPOOLS_ODBC_PG_DSN", "OUTPOOLS_ODBC_SQLITE_DSN"));

}  // namespace
}  // namespace outpools::testing
