#include "drivers/rdbms/sqlite_statements.hpp"

#include <cctype>

namespace outpools::rdbms {
namespace {

bool is_word_char(char c) noexcept {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool same_word(std::string_view word, std::string_view upper) noexcept {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) return false;
  return true;
}

// Where the quoted text, name or comment beginning at `at` ends (one past its closing
// character; the text's end when unterminated). A doubled quote inside stays inside.
std::size_t skip_quoted(std::string_view sql, std::size_t at) noexcept {
  const char open = sql[at];
  const char close = open == '[' ? ']' : open;
  for (std::size_t i = at + 1; i < sql.size(); ++i) {
    if (sql[i] != close) continue;
    if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
      ++i;  // '' inside '...'
      continue;
    }
    return i + 1;
  }
  return sql.size();
}

}  // namespace

std::size_t sqlite_statement_count(std::string_view sql) noexcept {
  std::size_t count = 0;
  bool has_content = false;   // the current statement has a token
  int words_seen = 0;         // of the current statement, for CREATE [TEMP] TRIGGER
  bool create_first = false;  // its first word is CREATE
  bool in_trigger = false;    // it is a CREATE TRIGGER: `;` do not end it before END ;
  bool after_end = false;     // in a trigger, the last token was END
  const auto end_statement = [&] {
    if (has_content) ++count;
    has_content = false;
    words_seen = 0;
    create_first = in_trigger = after_end = false;
  };
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? sql.size() : eol + 1;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
      continue;
    }
    if (c == ';') {
      if (!in_trigger || after_end) end_statement();
      ++i;
      continue;
    }
    has_content = true;
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      i = skip_quoted(sql, i);
      after_end = false;
      continue;
    }
    if (!is_word_char(c)) {
      ++i;
      after_end = false;
      continue;
    }
    std::size_t j = i;
    while (j < sql.size() && is_word_char(sql[j])) ++j;
    const std::string_view word = sql.substr(i, j - i);
    ++words_seen;
    if (words_seen == 1) {
      create_first = same_word(word, "CREATE");
    } else if (create_first && !in_trigger && words_seen <= 3) {
      if (same_word(word, "TRIGGER"))
        in_trigger = true;
      else if (words_seen == 3 || !(same_word(word, "TEMP") || same_word(word, "TEMPORARY")))
        create_first = false;
    }
    after_end = in_trigger && same_word(word, "END");
    i = j;
  }
  end_statement();
  return count;
}

}  // namespace outpools::rdbms
