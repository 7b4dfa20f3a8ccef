#include "drivers/rdbms/pgsql/pgsql_markers.hpp"

#include <gtest/gtest.h>

namespace outpools::rdbms {
namespace {

std::size_t highest(std::string_view sql) { return highest_pgsql_marker(sql, true); }

TEST(pgsql_markers, the_highest_marker_counts_whatever_the_order_and_gaps) {
  EXPECT_EQ(highest("SELECT 1"), 0u);
  EXPECT_EQ(highest("SELECT $1"), 1u);
  EXPECT_EQ(highest("SELECT $2, $1"), 2u);
  EXPECT_EQ(highest("SELECT $3"), 3u);
  EXPECT_EQ(highest("SELECT $12::int + $1"), 12u);
  EXPECT_EQ(highest("SELECT 1+$1"), 1u);
  EXPECT_EQ(highest("SELECT ($1)"), 1u);
  EXPECT_EQ(highest("INSERT INTO t VALUES ($1); SELECT $2"), 2u);
  EXPECT_EQ(highest("SELECT $99999999999999999999"), 1000000000u);
}

TEST(pgsql_markers, markers_inside_strings_identifiers_and_comments_do_not_count) {
  EXPECT_EQ(highest("SELECT '$1', $2"), 2u);
  EXPECT_EQ(highest("SELECT 'it''s $3', $1"), 1u);
  EXPECT_EQ(highest("SELECT \"col$2\", \"a\"\"$3\" FROM t"), 0u);
  EXPECT_EQ(highest("SELECT a$1 FROM t"), 0u);  // '$' inside an identifier
  EXPECT_EQ(highest("SELECT 1 -- $4\n, $1"), 1u);
  EXPECT_EQ(highest("SELECT /* $5 /* nested $6 */ still $7 */ $1"), 1u);
  EXPECT_EQ(highest("SELECT $$ $8 $$, $1"), 1u);
  EXPECT_EQ(highest("SELECT $fn$ body $9 with $$ inside $fn$, $2"), 2u);
  EXPECT_EQ(highest("CREATE FUNCTION f(int) RETURNS int AS $$ SELECT $1 $$ LANGUAGE sql"), 0u);
  EXPECT_EQ(highest("SELECT 'unterminated $1"), 0u);
  EXPECT_EQ(highest("SELECT /* unterminated $1"), 0u);
}

TEST(pgsql_markers, backslashes_escape_in_escape_strings_and_without_standard_strings) {
  // With standard_conforming_strings on, 'C:\' ends at its second quote.
  EXPECT_EQ(highest("SELECT 'C:\\', $1"), 1u);
  // E'...' always takes backslash escapes: \' does not end it.
  EXPECT_EQ(highest("SELECT E'it\\'s $3', $1"), 1u);
  EXPECT_EQ(highest("SELECT e'\\\\', $2"), 2u);
  // Without standard strings, every string does.
  EXPECT_EQ(highest_pgsql_marker("SELECT 'it\\'s $3', $1", false), 1u);
  EXPECT_EQ(highest_pgsql_marker("SELECT 'C:\\', $1", false), 0u);  // one unterminated string
}

TEST(pgsql_markers, a_number_ends_before_a_marker_and_a_lone_dollar_is_none) {
  EXPECT_EQ(highest("SELECT 1.5e3, 0x1F, $1"), 1u);
  EXPECT_EQ(highest("SELECT 2$1"), 1u);  // read as 2 $1, as the server does (and refuses)
  EXPECT_EQ(highest("SELECT $ 1"), 0u);
  EXPECT_EQ(highest("SELECT $"), 0u);
}

}  // namespace
}  // namespace outpools::rdbms
