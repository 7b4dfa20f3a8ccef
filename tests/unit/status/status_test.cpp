// What `outpools up` prints for given pool states: the table, the JSON line, and the rows the
// table takes on a terminal (so that it can be redrawn in place).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "outpools/status.hpp"

namespace outpools {
namespace {

namespace json = boost::json;

std::vector<pool_status> two_pools() {
  return {
      pool_status{"rdbms.default", "global", 4, 4, "up", ""},
      pool_status{"rdbms.down@localhost", "host", 2, 0, "down", "worker 1: connection refused"},
  };
}

TEST(status_table, has_a_header_and_one_aligned_line_per_pool) {
  const std::string table = status_table(two_pools());
  EXPECT_EQ(table,
            "POOL                  SCOPE   CONNECTED  STATE     LAST ERROR\n"
            "rdbms.default         global  4/4        up        -\n"
            "rdbms.down@localhost  host    0/2        down      worker 1: connection refused\n");
}

TEST(status_json_line, has_the_documented_keys_in_order_and_null_for_no_error) {
  const auto at = std::chrono::system_clock::from_time_t(1764547200);  // 2025-12-01T00:00:00Z
  const std::string line = status_json_line(two_pools(), at);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(
      line,
      R"({"time":"2025-12-01T00:00:00Z","pools":[)"
      R"({"pool":"rdbms.default","scope":"global","workers":4,"connected":4,"state":"up","last_error":null},)"
      R"({"pool":"rdbms.down@localhost","scope":"host","workers":2,"connected":0,"state":"down","last_error":"worker 1: connection refused"}]})");
  EXPECT_NO_THROW(json::parse(line));
}

TEST(screen_rows, counts_wrapped_lines_as_the_rows_they_take) {
  EXPECT_EQ(screen_rows("", 80), 0u);
  EXPECT_EQ(screen_rows("a\nb\n", 80), 2u);
  EXPECT_EQ(screen_rows("\n", 80), 1u);  // an empty line still takes a row
  EXPECT_EQ(screen_rows(std::string(80, 'x') + "\n", 80), 1u);
  EXPECT_EQ(screen_rows(std::string(81, 'x') + "\n", 80), 2u);
  EXPECT_EQ(screen_rows(std::string(200, 'x') + "\nshort\n", 80), 4u);
}

TEST(screen_rows, counts_code_points_not_bytes) {
  std::string line;
  for (int i = 0; i < 80; ++i) line += "\xC3\xA9";  // é: two bytes, one column
  EXPECT_EQ(screen_rows(line + "\n", 80), 1u);
  EXPECT_EQ(screen_rows(line + "\n", 40), 2u);
}

}  // namespace
}  // namespace outpools
