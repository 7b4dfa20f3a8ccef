// message_lines.hpp — a database library's multi-line message as one line, for errors and
// notices (a status table, a log line).
#pragma once

#include <string>
#include <string_view>

namespace outpools::rdbms {

/// `message` without its trailing newlines and spaces, each inner line break (and the
/// indentation after it) made "; " — or " " after a ';' already there. Null reads as empty.
/// Pure; any thread.
inline std::string as_one_line(const char* message) {
  std::string_view text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') {
      out += text[i];
      continue;
    }
    while (i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r' ||
                                   text[i + 1] == '\t' || text[i + 1] == ' '))
      ++i;
    out += !out.empty() && out.back() == ';' ? " " : "; ";
  }
  return out;
}

}  // namespace outpools::rdbms
