#include "drivers/rdbms/statement_words.hpp"

#include <gtest/gtest.h>

namespace outpools::rdbms {
namespace {

TEST(statement_words, words_are_upper_cased_with_semicolons_and_comments_skipped_on_request) {
  using words = std::vector<std::string>;
  EXPECT_EQ(statement_words("begin; select x_1 -- BEGIN\n/* a /* nested */ BEGIN */ ok", true),
            (words{"BEGIN", ";", "SELECT", "X_1", "OK"}));
  EXPECT_EQ(statement_words("select 1 -- begin", false), (words{"SELECT", "1", "BEGIN"}));
  EXPECT_EQ(statement_words("x /* unterminated begin", true), (words{"X"}));
}

TEST(statement_words, a_transaction_may_open_wherever_its_keyword_appears) {
  for (const char* sql :
       {"BEGIN", "begin work", "START TRANSACTION", "/* app */ BEGIN", "-- app\nBEGIN",
        "SELECT 1; BEGIN", "COMMIT AND CHAIN", "ROLLBACK AND CHAIN", "SAVEPOINT s", "XA START 'x'",
        "SELECT '--'; BEGIN"})
    EXPECT_TRUE(may_open_transaction(sql)) << sql;
  for (const char* sql : {"SELECT 1", "COMMIT", "COMMIT AND NO CHAIN", "SELECT start_date FROM t",
                          "INSERT INTO beginnings VALUES (1)"})
    EXPECT_FALSE(may_open_transaction(sql)) << sql;
}

TEST(statement_words, only_a_lone_commit_or_rollback_ends_the_transaction) {
  for (const char* sql : {"COMMIT", "commit;", "END", "ABORT", "ROLLBACK WORK",
                          "COMMIT TRANSACTION", "COMMIT AND NO CHAIN", "/* done */ COMMIT -- now"})
    EXPECT_TRUE(only_ends_transaction(sql)) << sql;
  for (const char* sql : {"ROLLBACK TO SAVEPOINT s", "ROLLBACK TO s", "COMMIT AND CHAIN",
                          "COMMIT; BEGIN", "COMMIT; SELECT 1", "SELECT 1", "", "-- COMMIT"})
    EXPECT_FALSE(only_ends_transaction(sql)) << sql;
}

TEST(statement_words, copy_streams_are_found_after_comments_and_other_statements) {
  for (const char* sql : {"COPY t TO STDOUT", "copy t from stdin", "/* x */ COPY t TO STDOUT",
                          "-- x\ncopy t to stdout", "SELECT 1; COPY t FROM STDIN"})
    EXPECT_TRUE(is_copy_stream(sql)) << sql;
  for (const char* sql : {"COPY t TO '/tmp/f'", "SELECT 'copy to stdout'", "SELECT stdout FROM t",
                          "COPY t TO '/f'; SELECT stdin FROM t"})
    EXPECT_FALSE(is_copy_stream(sql)) << sql;
}

TEST(statement_words, only_one_statement_that_reads_may_be_run_again) {
  for (const char* sql : {"SELECT * FROM t", "select 1;", "/* x */ WITH a AS (SELECT 1) SELECT *",
                          "show tables", "VALUES (1)", "TABLE t", "desc t", "DESCRIBE t"})
    EXPECT_TRUE(only_reads(sql)) << sql;
  for (const char* sql : {"INSERT INTO t VALUES (1) RETURNING *", "CALL p()", "SELECT 1; SELECT 2",
                          "SELECT 'a;b'", "SELECT a INTO @x FROM t", "SELECT 1 INTO OUTFILE '/f'",
                          "DELETE FROM t RETURNING *", "", "-- SELECT"})
    EXPECT_FALSE(only_reads(sql)) << sql;
}

}  // namespace
}  // namespace outpools::rdbms
