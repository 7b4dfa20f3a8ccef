// config_test_support.hpp — helpers shared by the configuration loader's unit tests:
// load a TOML text, expect success, or expect an error with a given path at a given line.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "outpools/config.hpp"

namespace outpools::test {

/// The file name the string loader reports in its diagnostics.
inline constexpr std::string_view test_file_name = "test.toml";

/// Drops the single newline right after `R"(` so that line 1 is the first line of the text.
inline std::string toml_text(std::string_view text) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  return std::string(text);
}

/// A fresh, empty temporary folder, removed when the object goes.
class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("outpools-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to `relative` (creating folders); returns the absolute path.
  std::filesystem::path write(const std::filesystem::path& relative,
                              std::string_view content = "-----BEGIN PLACEHOLDER-----\n") const {
    std::filesystem::path p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// Loads `text` (see toml_text) as the file test.toml in `base_dir`.
inline load_result load(std::string_view text, const std::filesystem::path& base_dir =
                                                   std::filesystem::temp_directory_path()) {
  return load_config_string(toml_text(text), test_file_name, base_dir);
}

/// Every diagnostic, one per line, for failure messages.
inline std::string dump(const load_result& r) {
  std::string out;
  for (const diagnostic& d : r.diagnostics) out += "    " + d.to_string() + "\n";
  if (out.empty()) out = "    (no diagnostics)\n";
  return out;
}

inline std::vector<diagnostic> errors_of(const load_result& r) {
  std::vector<diagnostic> out;
  for (const diagnostic& d : r.diagnostics) {
    if (d.severity == diagnostic::level::error) out.push_back(d);
  }
  return out;
}

inline std::vector<diagnostic> of_level(const load_result& r, diagnostic::level level) {
  std::vector<diagnostic> out;
  for (const diagnostic& d : r.diagnostics) {
    if (d.severity == level) out.push_back(d);
  }
  return out;
}

/// 1-based number of the (first) line of `text` (see toml_text) that contains `needle`.
inline std::uint32_t line_of(std::string_view text, std::string_view needle) {
  const std::string t = toml_text(text);
  const std::size_t at = t.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "test bug: '" << needle << "' is not in the text";
    return 0;
  }
  return static_cast<std::uint32_t>(std::count(t.begin(), t.begin() + at, '\n') + 1);
}

/// The text of line `line` (1-based).
inline std::string line_text(std::string_view text, std::uint32_t line) {
  const std::string t = toml_text(text);
  std::size_t begin = 0;
  for (std::uint32_t i = 1; i < line && begin != std::string::npos; ++i) {
    begin = t.find('\n', begin);
    if (begin != std::string::npos) ++begin;
  }
  if (begin == std::string::npos) return {};
  std::size_t end = t.find('\n', begin);
  return t.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

/// For a simple `key = value` line: the columns (1-based) an error about that option may name —
/// the start of the key, the last segment of a dotted key, or the start of the value. Empty for
/// any other kind of line (table headers, inline tables, arrays), where only the line is checked.
inline std::vector<std::uint32_t> option_columns(const std::string& line) {
  std::vector<std::uint32_t> cols;
  const std::size_t eq = line.find('=');
  if (eq == std::string::npos || line.find_first_of("{[") != std::string::npos) return cols;
  const std::size_t key = line.find_first_not_of(" \t");
  const std::size_t value = line.find_first_not_of(" \t", eq + 1);
  if (key == std::string::npos || value == std::string::npos) return cols;
  cols.push_back(static_cast<std::uint32_t>(key + 1));
  const std::size_t dot = line.rfind('.', eq);
  if (dot != std::string::npos && dot > key) cols.push_back(static_cast<std::uint32_t>(dot + 2));
  cols.push_back(static_cast<std::uint32_t>(value + 1));
  return cols;
}

/// An error whose path is `path` and whose line is the one of `text` containing `needle`; for a
/// simple `key = value` line, its column must point at the key or at the value. When
/// `message_part` is given, the message must contain it.
inline ::testing::AssertionResult has_error(const load_result& r, std::string_view text,
                                            std::string_view path, std::string_view needle,
                                            std::string_view message_part = {}) {
  const std::uint32_t line = line_of(text, needle);
  const std::vector<std::uint32_t> cols = option_columns(line_text(text, line));
  for (const diagnostic& d : r.diagnostics) {
    if (d.severity != diagnostic::level::error || d.path != path || d.line != line) continue;
    if (d.file != test_file_name) continue;
    if (!cols.empty() && std::find(cols.begin(), cols.end(), d.column) == cols.end()) {
      return ::testing::AssertionFailure()
             << "error at " << path << " line " << line << " has column " << d.column
             << ", expected the key's or the value's column; diagnostics:\n"
             << dump(r);
    }
    if (!message_part.empty() && d.message.find(message_part) == std::string::npos) continue;
    return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure();
  failure << "no error with path '" << path << "' at line " << line << " ('" << needle << "')";
  if (!message_part.empty()) failure << " whose message contains '" << message_part << "'";
  return failure << "; diagnostics:\n" << dump(r);
}

/// An error whose path starts with `path_prefix` at the line containing `needle` (for rules where
/// SPEC.md leaves open whether the error names an array element or one of its fields).
inline ::testing::AssertionResult has_error_under(const load_result& r, std::string_view text,
                                                  std::string_view path_prefix,
                                                  std::string_view needle,
                                                  std::string_view message_part = {}) {
  const std::uint32_t line = line_of(text, needle);
  for (const diagnostic& d : r.diagnostics) {
    if (d.severity != diagnostic::level::error || d.line != line) continue;
    if (d.path.rfind(path_prefix, 0) != 0) continue;
    if (!message_part.empty() && d.message.find(message_part) == std::string::npos) continue;
    return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure();
  failure << "no error with a path under '" << path_prefix << "' at line " << line << " ('"
          << needle << "')";
  if (!message_part.empty()) failure << " whose message contains '" << message_part << "'";
  return failure << "; diagnostics:\n" << dump(r);
}

/// Loads `text` and expects no error at all; returns the configuration.
#define OUTPOOLS_LOAD_OK(result_var, text)                                 \
  const ::outpools::load_result result_var = ::outpools::test::load(text); \
  ASSERT_FALSE(result_var.has_errors()) << ::outpools::test::dump(result_var)

/// Loads `text`, expects it refused with an error at `path` on the line containing `needle`.
#define EXPECT_CONFIG_ERROR(text, path, needle)                       \
  do {                                                                \
    const ::outpools::load_result r_ = ::outpools::test::load(text);  \
    EXPECT_TRUE(r_.has_errors()) << ::outpools::test::dump(r_);       \
    EXPECT_TRUE(::outpools::test::has_error(r_, text, path, needle)); \
  } while (false)

/// Loads `text` and expects it valid.
#define EXPECT_CONFIG_VALID(text)                                    \
  do {                                                               \
    const ::outpools::load_result r_ = ::outpools::test::load(text); \
    EXPECT_FALSE(r_.has_errors()) << ::outpools::test::dump(r_);     \
  } while (false)

/// The one pool instance of a configuration that must hold exactly one.
inline const pool_spec& only_pool(const configuration& c) {
  EXPECT_EQ(c.pools.size(), 1u);
  static const pool_spec none{};
  return c.pools.empty() ? none : c.pools.front();
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace outpools::test
