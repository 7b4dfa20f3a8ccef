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

TEST(status_table, an_error_over_several_lines_stays_on_its_row) {
  const std::string table = status_table(
      {pool_status{"rdbms.p", "global", 1, 0, "down", "refused\n\tIs the server running?\x1b[2J"}});
  EXPECT_EQ(table,
            "POOL     SCOPE   CONNECTED  STATE     LAST ERROR\n"
            "rdbms.p  global  0/1        down      refused\\n\\tIs the server running?\\x1b[2J\n");
}

TEST(status_table, names_in_any_script_line_up_and_control_characters_are_escaped) {
  const std::string table = status_table({
      pool_status{"generic.x@ünï.org", "host", 1, 1, "up", ""},
      pool_status{"generic.x@例え.jp", "host", 1, 1, "up", ""},
      pool_status{"generic.x@a\x1b[2Jb", "host", 1, 1, "up", ""},
  });
  EXPECT_EQ(table,
            "POOL                 SCOPE  CONNECTED  STATE     LAST ERROR\n"
            "generic.x@ünï.org    host   1/1        up        -\n"
            "generic.x@例え.jp    host   1/1        up        -\n"
            "generic.x@a\\x1b[2Jb  host   1/1        up        -\n");
}

TEST(one_line, escapes_control_characters_and_keeps_the_rest) {
  EXPECT_EQ(one_line("a\r\nb\tc\x7f d \xc2\x9b é"), "a\\r\\nb\\tc\\x7f d \\u009b é");
}

// A pool that could not start shows its own start error, not one of a pool whose name merely
// begins with its own.
TEST(read_status, a_pool_that_did_not_start_shows_its_own_reason) {
  pool_manager manager(1);  // no redis driver in the core: every start is refused
  configuration config;
  for (const char* tag : {"ab", "a"}) {
    pool_spec spec;
    spec.type = pool_type::redis;
    spec.tag = tag;
    spec.workers = 1;
    config.pools.push_back(spec);
  }
  std::string start_errors;
  manager.start_all(config, &start_errors);
  const std::vector<pool_status> status = read_status(manager, config, start_errors);
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].last_error, "redis.ab: no driver for pool type redis in this build");
  EXPECT_EQ(status[1].last_error, "redis.a: no driver for pool type redis in this build");
  EXPECT_EQ(status[1].state, "down");
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

TEST(display_width, counts_the_columns_a_terminal_draws) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("héllo"), 5u);                     // é: one code point, one column
  EXPECT_EQ(display_width("e\u0301"), 1u);                   // e and a combining acute
  EXPECT_EQ(display_width("日本語テキスト"), 14u);           // CJK and katakana: two each
  EXPECT_EQ(display_width("한국어"), 6u);                    // Hangul
  EXPECT_EQ(display_width("ＡＢ"), 4u);                      // fullwidth forms
  EXPECT_EQ(display_width("\xF0\x9F\x98\x80"), 2u);          // an emoji, U+1F600
  EXPECT_EQ(display_width("\u1100\u1161"), 2u);              // a conjoining jamo pair
  EXPECT_EQ(display_width("\u0915\u093F\u0928\u094D"), 3u);  // Devanagari: a virama takes none
  EXPECT_EQ(display_width("a\u200Bb"), 2u);                  // a zero-width space
  EXPECT_EQ(display_width("\xFF\xFEx"), 3u);                 // bytes that are not UTF-8
  EXPECT_EQ(display_width("\xE6\x97"), 1u);                  // a character cut short
}

TEST(screen_rows, counts_wide_characters_as_two_columns) {
  EXPECT_EQ(screen_rows(std::string(40, 'x') + "\n", 40), 1u);
  EXPECT_EQ(screen_rows("日本語テキスト日本語テキスト日本語テキスト\n", 40), 2u);  // 42 columns
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
