#include "drivers/rdbms/sqlite_statements.hpp"

#include <gtest/gtest.h>

namespace outpools::rdbms {
namespace {

TEST(sqlite_statements, each_semicolon_outside_quotes_comments_and_triggers_ends_one) {
  EXPECT_EQ(sqlite_statement_count(""), 0u);
  EXPECT_EQ(sqlite_statement_count(" ; ;; -- only a comment\n/* and this */"), 0u);
  EXPECT_EQ(sqlite_statement_count("SELECT 1"), 1u);
  EXPECT_EQ(sqlite_statement_count("SELECT 1;"), 1u);
  EXPECT_EQ(sqlite_statement_count("SELECT 1; -- done\n"), 1u);
  EXPECT_EQ(sqlite_statement_count("CREATE TABLE z(a); INSERT INTO z VALUES (1); SELECT 7"), 3u);
  EXPECT_EQ(sqlite_statement_count("SELECT 'a;b', \"c;\", `d;`, [e;] FROM t"), 1u);
  EXPECT_EQ(sqlite_statement_count("SELECT 'it''s; fine'"), 1u);
  EXPECT_EQ(sqlite_statement_count("SELECT 1 -- ; not here\n"), 1u);
  EXPECT_EQ(sqlite_statement_count("SELECT /* ; */ 1; SELECT 2"), 2u);
  EXPECT_EQ(sqlite_statement_count("SELECT 'unterminated; SELECT 2"), 1u);
}

TEST(sqlite_statements, a_trigger_body_is_part_of_its_create_trigger) {
  const char* trigger =
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); UPDATE b SET x = 2; "
      "END";
  EXPECT_EQ(sqlite_statement_count(trigger), 1u);
  EXPECT_EQ(sqlite_statement_count(std::string(trigger) + ";"), 1u);
  EXPECT_EQ(sqlite_statement_count(std::string(trigger) + "; SELECT 1"), 2u);
  EXPECT_EQ(sqlite_statement_count("create temp trigger t after delete on a begin delete from "
                                   "b; end ; select 1"),
            2u);
  // END as a word of another statement ends nothing.
  EXPECT_EQ(sqlite_statement_count("SELECT CASE WHEN 1 THEN 2 END; SELECT 3"), 2u);
  // A table named trigger is no trigger.
  EXPECT_EQ(sqlite_statement_count("CREATE TABLE x(a); CREATE TABLE [trigger](b)"), 2u);
}

}  // namespace
}  // namespace outpools::rdbms
