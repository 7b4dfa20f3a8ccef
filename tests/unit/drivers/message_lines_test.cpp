// Multi-line messages of libpq and ODBC drivers as one line.
#include "drivers/rdbms/message_lines.hpp"

#include <gtest/gtest.h>

namespace outpools::rdbms {
namespace {

TEST(message_lines, inner_line_breaks_and_their_indentation_become_a_separator) {
  // libpq's connection failure, two lines, the second indented.
  EXPECT_EQ(as_one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                        "\tIs the server running on that host and accepting TCP/IP connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; Is the "
            "server running on that host and accepting TCP/IP connections?");
}

TEST(message_lines, a_break_after_a_semicolon_adds_no_second_one) {
  // psqlODBC's error text.
  EXPECT_EQ(
      as_one_line("ERROR: relation \"nope\" does not exist;\nError while executing the query"),
      "ERROR: relation \"nope\" does not exist; Error while executing the query");
}

TEST(message_lines, trailing_breaks_go_and_crlf_counts_as_one_break) {
  EXPECT_EQ(as_one_line("first\r\nsecond\r\n \n"), "first; second");
  EXPECT_EQ(as_one_line("one line"), "one line");
  EXPECT_EQ(as_one_line(""), "");
  EXPECT_EQ(as_one_line(nullptr), "");
}

}  // namespace
}  // namespace outpools::rdbms
