// pgsql driver against a real PostgreSQL: values, parameters, prepared statements, transactions
// and server errors.
#include <gtest/gtest.h>

#include <boost/asio/use_awaitable.hpp>

#include "integration/rdbms/rdbms_test_support.hpp"
#include "support/comma_numbers.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::bytes;
using rdbms::query_result;
using rdbms::value;

class pgsql_query : public ::testing::Test {
 protected:
  pgsql_query() : db_(spec_from_toml(pgsql_toml("workers = 2\ncall_timeout = 5000"))) {}
  rdbms_pool db_;
};

TEST_F(pgsql_query, typed_values_and_nulls_round_trip) {
  bytes blob{{0x00, 0xff, 0x10, 0x41}};
  query_result r = db_.client.query(
      "SELECT $1::int8 AS i, $2::float8 AS d, $3::text AS t, $4::bool AS b, $5::bytea AS raw, "
      "NULL::int AS n, $6::text AS null_param",
      {value(std::int64_t{-42}), value(2.5), value(std::string("héllo")), value(true), value(blob),
       value(std::monostate{})});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.columns, (std::vector<std::string>{"i", "d", "t", "b", "raw", "n", "null_param"}));
  ASSERT_EQ(r.rows.size(), 1u);
  const rdbms::row& row = r.rows[0];
  EXPECT_EQ(std::get<std::int64_t>(row[0]), -42);
  EXPECT_DOUBLE_EQ(std::get<double>(row[1]), 2.5);
  EXPECT_EQ(std::get<std::string>(row[2]), "héllo");
  EXPECT_EQ(std::get<bool>(row[3]), true);
  EXPECT_EQ(std::get<bytes>(row[4]), blob);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[5]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[6]));
}

TEST_F(pgsql_query, untyped_text_parameters_are_inferred_by_the_server) {
  query_result r = db_.client.query("SELECT $1 + 1 AS n, $2 || '!' AS s",
                                    {value(std::string("41")), value(std::string("hi"))});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), 42);
  EXPECT_EQ(std::get<std::string>(r.rows[0][1]), "hi!");
}

// Values beyond the text's markers are refused before anything runs: typed ones the server would
// take without a word (unnamed parameters), untyped ones it would refuse for their type.
TEST_F(pgsql_query, values_beyond_the_texts_markers_are_refused_before_running) {
  const std::string table = "outpools_markers_" + std::to_string(::getpid());
  ASSERT_TRUE(db_.client.query("DROP TABLE IF EXISTS " + table).ok());
  ASSERT_TRUE(db_.client.query("CREATE TABLE " + table + " (v int8)").ok());
  const value one(std::int64_t{1}), two(std::int64_t{2});
  query_result extra = db_.client.query("INSERT INTO " + table + " VALUES ($1)", {one, two});
  EXPECT_EQ(extra.error, errc::invalid_argument) << extra.diagnostics;
  EXPECT_NE(extra.diagnostics.find("takes 1 parameter, 2 given"), std::string::npos)
      << extra.diagnostics;
  query_result none = db_.client.query("SELECT 1", {value(std::string("7"))});
  EXPECT_EQ(none.error, errc::invalid_argument) << none.diagnostics;
  EXPECT_NE(none.diagnostics.find("takes 0 parameters, 1 given"), std::string::npos)
      << none.diagnostics;
  query_result count = db_.client.query("SELECT count(*) FROM " + table);
  ASSERT_TRUE(count.ok()) << count.diagnostics;
  EXPECT_EQ(count.rows.at(0).at(0), value(std::int64_t{0})) << "a refused INSERT ran";
  // Markers in strings, comments and dollar quotes are not the call's; a gap is one.
  query_result quoted =
      db_.client.query("SELECT '$2' AS s, $$ $3 $$ AS d, $1::int8 AS v /* $4 */ -- $5", {two});
  ASSERT_TRUE(quoted.ok()) << quoted.diagnostics;
  EXPECT_EQ(quoted.rows.at(0).at(2), two);
  query_result gap = db_.client.query("SELECT $2::int8", {one, two});
  ASSERT_TRUE(gap.ok()) << gap.diagnostics;
  EXPECT_EQ(gap.rows.at(0).at(0), two);
  // Fewer values than markers: the server's refusal.
  query_result fewer = db_.client.query("SELECT $1::int8, $2::int8", {one});
  EXPECT_EQ(fewer.error, errc::server_error) << fewer.diagnostics;
  EXPECT_FALSE(fewer.sqlstate.empty()) << fewer.diagnostics;
  EXPECT_TRUE(db_.client.query("DROP TABLE " + table).ok());
}

// An application whose locale writes numbers with a decimal comma (LC_NUMERIC=de_DE.UTF-8):
// doubles are still sent and read in the server's form ("1,25" would be refused, "2.5" read as 2).
TEST(pgsql_numbers, doubles_are_sent_and_read_whatever_the_locale) {
  comma_numbers comma;  // before the pool's threads start
  ASSERT_TRUE(comma.active());
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  query_result r =
      db.client.query("SELECT $1::float8 * 2, 0.5::float8, '-1.5e-300'::float8", {value(1.25)});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(2.5));
  EXPECT_EQ(r.rows.at(0).at(1), value(0.5));
  EXPECT_EQ(r.rows.at(0).at(2), value(-1.5e-300));
  db.client.prepare("twice", "SELECT $1::float8 * 2");
  r = db.client.execute("twice", {value(0.75)});
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(1.5));
}

TEST(pgsql_prepared, a_name_registered_again_runs_its_new_text) {
  expect_a_name_registered_again_runs_its_new_text(spec_from_toml(pgsql_toml("workers = 1")));
}

// DISCARD ALL (a common way to reset a session) drops the server's prepared statements behind
// the driver's back: the next execute prepares the name again instead of failing with 26000.
TEST(pgsql_prepared, a_statement_dropped_on_the_server_is_prepared_again) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  db.client.prepare("twice", "SELECT $1::int * 2 AS n");
  for (const char* drop : {"DISCARD ALL", "DEALLOCATE ALL"}) {
    query_result before = db.client.execute("twice", {value(std::int64_t{4})});
    ASSERT_TRUE(before.ok()) << before.diagnostics;
    ASSERT_TRUE(db.client.query(drop).ok()) << drop;
    query_result after = db.client.execute("twice", {value(std::int64_t{5})});
    ASSERT_TRUE(after.ok()) << drop << ": " << after.diagnostics;
    EXPECT_EQ(std::get<std::int64_t>(after.rows.at(0).at(0)), 10);
  }
  // Dropped on the server, then run with another text, or values of another type: the
  // DEALLOCATE that would drop the old one finds nothing, and it is prepared anew.
  ASSERT_TRUE(db.client.query("DISCARD ALL").ok());
  db.client.prepare("twice", "SELECT $1::int * 3 AS n");
  query_result retexted = db.client.execute("twice", {value(std::int64_t{5})});
  ASSERT_TRUE(retexted.ok()) << retexted.diagnostics;
  EXPECT_EQ(retexted.rows.at(0).at(0), value(std::int64_t{15}));
  ASSERT_TRUE(db.client.query("DISCARD ALL").ok());
  query_result retyped = db.client.execute("twice", {value(std::string("6"))});
  ASSERT_TRUE(retyped.ok()) << retyped.diagnostics;
  EXPECT_EQ(retyped.rows.at(0).at(0), value(std::int64_t{18}));
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// A prepared statement takes its values with their types, as query() sends them: the server
// would otherwise infer them from the text (an integer for `$1 + 1`, a text for `SELECT $1`) and
// read bytes sent in binary as text. Values of other types later prepare it again.
TEST(pgsql_prepared, values_keep_their_types_and_other_types_prepare_it_again) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  db.client.prepare("plus_one", "SELECT $1 + 1");
  query_result big = db.client.execute("plus_one", {value(std::int64_t{5'000'000'000})});
  ASSERT_TRUE(big.ok()) << big.diagnostics;
  EXPECT_EQ(big.rows.at(0).at(0), value(std::int64_t{5'000'000'001}));
  query_result half = db.client.execute("plus_one", {value(0.25)});
  ASSERT_TRUE(half.ok()) << half.diagnostics;
  EXPECT_EQ(half.rows.at(0).at(0), value(1.25));
  query_result text = db.client.execute("plus_one", {value(std::string("41"))});
  ASSERT_TRUE(text.ok()) << text.diagnostics;  // its type inferred by the server, as by query()
  EXPECT_EQ(text.rows.at(0).at(0), value(std::int64_t{42}));
  db.client.prepare("echo", "SELECT $1");
  const bytes raw{{0x00, 0x41, 0xff}};
  for (const value& v : {value(true), value(std::int64_t{7}), value(raw), value(2.5),
                         value(std::string("x")), value(std::monostate{}), value(bytes{})}) {
    query_result r = db.client.execute("echo", {v});
    ASSERT_TRUE(r.ok()) << rdbms::to_text(v) << ": " << r.diagnostics;
    EXPECT_EQ(r.rows.at(0).at(0), v) << rdbms::to_text(v);
  }
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// libpq sends a text value, and the statement's text, up to their first NUL byte: refused, not
// cut short.
TEST_F(pgsql_query, a_nul_byte_in_a_text_or_the_statement_is_refused) {
  const std::string with_nul("ab\0cd", 5);
  query_result value_nul = db_.client.query("SELECT $1::text", {value(with_nul)});
  EXPECT_EQ(value_nul.error, errc::invalid_argument) << value_nul.diagnostics;
  EXPECT_NE(value_nul.diagnostics.find("NUL byte"), std::string::npos) << value_nul.diagnostics;
  db_.client.prepare("text_echo", "SELECT $1::text");
  query_result prepared_nul = db_.client.execute("text_echo", {value(with_nul)});
  EXPECT_EQ(prepared_nul.error, errc::invalid_argument) << prepared_nul.diagnostics;
  query_result sql_nul = db_.client.query(std::string("SELECT 1\0; SELECT 2", 19));
  EXPECT_EQ(sql_nul.error, errc::invalid_argument) << sql_nul.diagnostics;
  query_result as_bytes = db_.client.query("SELECT $1::bytea", {value(bytes{{'a', 0, 'c'}})});
  ASSERT_TRUE(as_bytes.ok()) << as_bytes.diagnostics;
  EXPECT_EQ(as_bytes.rows.at(0).at(0), value(bytes{{'a', 0, 'c'}}));
}

// "cached plan must not change result type" (0A000): the table of a prepared SELECT * gained a
// column; the statement is prepared again and answers with it.
TEST(pgsql_prepared, a_select_follows_its_table_altered) {
  expect_a_prepared_select_follows_its_table_altered(
      spec_from_toml(pgsql_toml("workers = 1")), "outpools_pg_alter_" + std::to_string(::getpid()));
}

// A COMMIT or ROLLBACK of the function's own: what follows would run outside the transaction,
// uncommitted by nobody and never rolled back.
TEST(pgsql_transaction, a_statement_ending_it_fails_it_and_nothing_more_is_sent) {
  const pool_spec spec = spec_from_toml(pgsql_toml("workers = 1"));
  const std::string table = "outpools_pg_end_" + std::to_string(::getpid());
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "COMMIT", 1);
  expect_a_statement_ending_the_transaction_fails_it(spec, table, "ROLLBACK", 0);
}

TEST_F(pgsql_query, empty_bytes_are_not_null) {
  expect_empty_bytes_are_not_null(db_.client, "SELECT $1::bytea, $2::bytea IS NULL");
}

TEST_F(pgsql_query, prepared_statements_run_by_name_on_every_connection) {
  db_.client.prepare("add", "SELECT $1::int + $2::int AS sum");
  for (int i = 0; i < 6; ++i) {  // more calls than workers: each connection prepares once
    query_result r = db_.client.execute("add", {value(std::int64_t{i}), value(std::int64_t{10})});
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), i + 10);
  }
  query_result missing = db_.client.execute("nope", {});
  EXPECT_EQ(missing.error, errc::invalid_argument);
}

TEST_F(pgsql_query, transactions_commit_and_roll_back) {
  const std::string table = "outpools_tx_" + std::to_string(::getpid());
  ASSERT_TRUE(db_.client.query("DROP TABLE IF EXISTS " + table).ok());
  ASSERT_TRUE(db_.client.query("CREATE TABLE " + table + " (v int)").ok());

  call_result committed = db_.client.transaction_blocking(
      [&](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        co_await tx.query("INSERT INTO " + table + " VALUES (1)");
        co_await tx.query("INSERT INTO " + table + " VALUES (2)");
        co_return call_result::success();
      });
  EXPECT_TRUE(committed.ok()) << committed.diagnostics;

  call_result refused = db_.client.transaction_blocking(
      [&](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        co_await tx.query("INSERT INTO " + table + " VALUES (3)");
        co_return call_result::failure(errc::job_failed, "changed my mind");
      });
  EXPECT_EQ(refused.error, errc::job_failed);

  call_result failed_statement = db_.client.transaction_blocking(
      [&](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        co_await tx.query("INSERT INTO " + table + " VALUES (4)");
        co_await tx.query("INSERT INTO no_such_table VALUES (1)");
        co_return call_result::success();
      });
  EXPECT_FALSE(failed_statement.ok());

  query_result rows = db_.client.query("SELECT v FROM " + table + " ORDER BY v");
  ASSERT_TRUE(rows.ok()) << rows.diagnostics;
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(rows.rows[0][0]), 1);
  EXPECT_EQ(std::get<std::int64_t>(rows.rows[1][0]), 2);
  EXPECT_TRUE(db_.client.query("DROP TABLE " + table).ok());
}

TEST_F(pgsql_query, server_errors_carry_the_sqlstate_and_message) {
  query_result r = db_.client.query("SELECT * FROM no_such_table_at_all");
  EXPECT_EQ(r.error, errc::server_error);
  EXPECT_EQ(r.sqlstate, "42P01");
  EXPECT_NE(r.diagnostics.find("no_such_table_at_all"), std::string::npos) << r.diagnostics;
  // The connection is still usable afterwards.
  EXPECT_TRUE(db_.client.query("SELECT 1").ok());
}

TEST_F(pgsql_query, affected_rows_are_reported) {
  const std::string table = "outpools_rows_" + std::to_string(::getpid());
  ASSERT_TRUE(db_.client.query("DROP TABLE IF EXISTS " + table).ok());
  ASSERT_TRUE(db_.client.query("CREATE TABLE " + table + " (v int)").ok());
  query_result inserted = db_.client.query("INSERT INTO " + table + " VALUES (1), (2), (3)");
  ASSERT_TRUE(inserted.ok()) << inserted.diagnostics;
  EXPECT_EQ(inserted.affected_rows, 3u);
  query_result updated =
      db_.client.query("UPDATE " + table + " SET v = v + 1 WHERE v > $1", {value(std::int64_t{1})});
  ASSERT_TRUE(updated.ok()) << updated.diagnostics;
  EXPECT_EQ(updated.affected_rows, 2u);
  // RETURNING: the rows, and how many were changed; a SELECT changes none.
  query_result returned = db_.client.query("DELETE FROM " + table + " WHERE v > 2 RETURNING v");
  ASSERT_TRUE(returned.ok()) << returned.diagnostics;
  EXPECT_EQ(returned.rows.size(), 2u);
  EXPECT_EQ(returned.affected_rows, 2u);
  query_result selected = db_.client.query("SELECT v FROM " + table);
  ASSERT_TRUE(selected.ok()) << selected.diagnostics;
  EXPECT_EQ(selected.rows.size(), 1u);
  EXPECT_EQ(selected.affected_rows, 0u);
  EXPECT_TRUE(db_.client.query("DROP TABLE " + table).ok());
}

TEST_F(pgsql_query, several_statements_give_the_last_ones_result) {
  query_result r = db_.client.query("SELECT 1 AS a; SELECT 'x' AS b, 2 AS c");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.columns, (std::vector<std::string>{"b", "c"}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (rdbms::row{value("x"), value(std::int64_t{2})}));
}

}  // namespace
}  // namespace outpools::testing
