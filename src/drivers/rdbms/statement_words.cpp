#include "drivers/rdbms/statement_words.hpp"

#include <algorithm>
#include <array>

namespace outpools::rdbms {
namespace {

bool is_word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool contains(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// Moves `i` past a comment that starts there (`--` to the end of the line, or `/* */`, nested
// as PostgreSQL nests them, to the end of the text when unterminated); false when none does.
bool skip_comment(std::string_view sql, std::size_t& i) {
  if (sql.compare(i, 2, "--") == 0) {
    while (i < sql.size() && sql[i] != '\n') ++i;
    return true;
  }
  if (sql.compare(i, 2, "/*") != 0) return false;
  int depth = 0;
  do {
    if (sql.compare(i, 2, "/*") == 0) {
      ++depth;
      i += 2;
    } else if (sql.compare(i, 2, "*/") == 0) {
      --depth;
      i += 2;
    } else {
      ++i;
    }
  } while (depth > 0 && i < sql.size());
  return true;
}

}  // namespace

std::vector<std::string> statement_words(std::string_view sql, bool skip_comments) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (skip_comments && skip_comment(sql, i)) continue;
    if (c == ';') {
      words.emplace_back(";");
      ++i;
    } else if (is_word_char(c)) {
      std::string word;
      while (i < sql.size() && is_word_char(sql[i])) word += upper(sql[i++]);
      words.push_back(std::move(word));
    } else {
      ++i;
    }
  }
  return words;
}

bool may_open_transaction(std::string_view sql) {
  // Comments are read too: a `--` inside a string would otherwise hide the rest of its line.
  const std::vector<std::string> words = statement_words(sql, false);
  for (std::string_view w : {"BEGIN", "START", "SAVEPOINT", "CHAIN"})
    if (contains(words, w)) {
      // ... AND NO CHAIN is the one CHAIN that opens nothing.
      if (w != "CHAIN") return true;
      for (std::size_t i = 0; i < words.size(); ++i)
        if (words[i] == "CHAIN" && (i == 0 || words[i - 1] != "NO")) return true;
    }
  return false;
}

bool only_ends_transaction(std::string_view sql) {
  std::vector<std::string> words = statement_words(sql, true);
  if (!words.empty() && words.back() == ";") words.pop_back();
  if (words.empty()) return false;
  static constexpr std::array<std::string_view, 4> enders{"COMMIT", "END", "ABORT", "ROLLBACK"};
  if (std::find(enders.begin(), enders.end(), words[0]) == enders.end()) return false;
  std::size_t i = 1;
  if (i < words.size() && (words[i] == "WORK" || words[i] == "TRANSACTION")) ++i;
  if (i + 2 < words.size() && words[i] == "AND" && words[i + 1] == "NO" && words[i + 2] == "CHAIN")
    i += 3;
  return i == words.size();
}

bool is_copy_stream(std::string_view sql) {
  const std::vector<std::string> words = statement_words(sql, true);
  bool statement_start = true, in_copy = false;
  for (const std::string& w : words) {
    if (w == ";") {
      statement_start = true;
      in_copy = false;
      continue;
    }
    if (statement_start && w == "COPY") in_copy = true;
    if (in_copy && (w == "STDIN" || w == "STDOUT")) return true;
    statement_start = false;
  }
  return false;
}

bool only_reads(std::string_view sql) {
  std::vector<std::string> words = statement_words(sql, true);
  if (!words.empty() && words.back() == ";") words.pop_back();
  if (words.empty() || contains(words, ";") || contains(words, "INTO")) return false;
  static constexpr std::array<std::string_view, 7> readers{"SELECT", "WITH",     "SHOW", "VALUES",
                                                           "TABLE",  "DESCRIBE", "DESC"};
  return std::find(readers.begin(), readers.end(), words[0]) != readers.end();
}

}  // namespace outpools::rdbms
