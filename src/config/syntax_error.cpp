#include "config/syntax_error.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

#include "config/schema.hpp"

namespace outpools::config {
namespace {

// The name of every secret option in the schema, and of every option inside a secret table.
void add_secret_names(const section_schema& schema, bool inside_secret,
                      std::set<std::string, std::less<>>& out) {
  for (const option_schema& o : schema.options) {
    if (inside_secret || o.secret) out.insert(o.name);
    if (o.children) add_secret_names(*o.children, inside_secret || o.secret, out);
  }
}

const std::set<std::string, std::less<>>& secret_names() {
  static const std::set<std::string, std::less<>> names = [] {
    std::set<std::string, std::less<>> out;
    for (pool_type t : all_pool_types()) add_secret_names(pool_schema(t), false, out);
    return out;
  }();
  return names;
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// True when a key assigned on `line` (the word before any '=', last dotted part) is a secret.
bool assigns_secret(std::string_view line) {
  for (std::size_t eq = line.find('='); eq != std::string_view::npos; eq = line.find('=', eq + 1)) {
    std::size_t end = eq;
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '"' ||
                       line[end - 1] == '\''))
      --end;
    std::size_t begin = end;
    while (begin > 0 && is_key_char(line[begin - 1])) --begin;
    if (begin < end && secret_names().contains(line.substr(begin, end - begin))) return true;
  }
  return false;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Whether the statement holding line `line` (1-based) assigns a secret: that line and, when it
// has no '=' (inside a multi-line array or string), the lines above it up to one that has.
bool in_secret_statement(std::string_view text, std::uint32_t line) {
  const std::vector<std::string_view> lines = lines_of(text);
  for (std::size_t i = std::min<std::size_t>(line, lines.size()); i > 0; --i) {
    std::string_view l = lines[i - 1];
    if (assigns_secret(l)) return true;
    l.remove_prefix(std::min(l.find_first_not_of(" \t"), l.size()));
    if (l.find('=') != std::string_view::npos || l.starts_with('[')) return false;
  }
  return false;
}

}  // namespace

diagnostic syntax_error_diagnostic(std::string_view text, const std::string& file,
                                   const toml::parse_error& error) {
  const toml::source_position at = error.source().begin;
  std::string description(error.description());
  if (in_secret_statement(text, at.line)) {
    description = description.substr(0, description.find(": "));
    description += " (details not shown: the value is a secret)";
  }
  return {.file = file,
          .line = at.line,
          .column = at.column,
          .message = "TOML syntax error: " + description};
}

}  // namespace outpools::config
