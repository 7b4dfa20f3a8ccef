#include "drivers/rdbms/pgsql/pgsql_markers.hpp"

#include <algorithm>

namespace outpools::rdbms {
namespace {

constexpr std::size_t marker_cap = 1000000000;  // far more than libpq sends (65535)

bool identifier_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// Letters, digits, '_', '$' and bytes of multi-byte characters: what continues an identifier
// or a number (PostgreSQL allows '$' inside identifiers).
bool identifier_part(char c) { return identifier_start(c) || digit(c) || c == '$'; }

// Past the 'string' opened at `i`; `backslashes` when a backslash escapes the next character.
std::size_t after_string(std::string_view sql, std::size_t i, bool backslashes) {
  for (++i; i < sql.size(); ++i) {
    if (backslashes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == '\'') {
      if (i + 1 < sql.size() && sql[i + 1] == '\'') {
        ++i;  // '' inside a string
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// Past the "quoted identifier" opened at `i` ("" inside it is one quote).
std::size_t after_quoted_identifier(std::string_view sql, std::size_t i) {
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != '"') continue;
    if (i + 1 < sql.size() && sql[i + 1] == '"') {
      ++i;
    } else {
      return i + 1;
    }
  }
  return sql.size();
}

// Past the /* comment */ opened at `i`; comments nest.
std::size_t after_block_comment(std::string_view sql, std::size_t i) {
  std::size_t depth = 0;
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

}  // namespace

std::size_t highest_pgsql_marker(std::string_view sql, bool standard_conforming_strings) {
  std::size_t highest = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '\'') {
      i = after_string(sql, i, !standard_conforming_strings);
    } else if (c == '"') {
      i = after_quoted_identifier(sql, i);
    } else if (c == '-' && next == '-') {
      const std::size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '/' && next == '*') {
      i = after_block_comment(sql, i);
    } else if (c == '$' && digit(next)) {
      std::size_t n = 0;
      for (++i; i < sql.size() && digit(sql[i]); ++i)
        n = std::min(marker_cap, n * 10 + static_cast<std::size_t>(sql[i] - '0'));
      highest = std::max(highest, n);
    } else if (c == '$') {
      // $tag$ ... $tag$ (the tag may be empty); a lone '$' is an operator character.
      std::size_t j = i + 1;
      if (j < sql.size() && identifier_start(sql[j]))
        while (j < sql.size() && (identifier_start(sql[j]) || digit(sql[j]))) ++j;
      if (j < sql.size() && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const std::size_t end = sql.find(tag, j + 1);
        i = end == std::string_view::npos ? sql.size() : end + tag.size();
      } else {
        ++i;
      }
    } else if (digit(c)) {  // a number (1, 1.5e3, 0x1F, 1_000): no '$' continues it
      while (i < sql.size() && (identifier_start(sql[i]) || digit(sql[i]))) ++i;
    } else if (identifier_start(c)) {
      const std::size_t start = i;
      while (i < sql.size() && identifier_part(sql[i])) ++i;
      // E'...' (or e'...'): an escape string, where backslashes escape whatever the setting.
      if (i - start == 1 && (c == 'E' || c == 'e') && i < sql.size() && sql[i] == '\'')
        i = after_string(sql, i, true);
    } else {
      ++i;
    }
  }
  return highest;
}

}  // namespace outpools::rdbms
