// cli_runner.hpp — runs the built `outpools` binary (OUTPOOLS_CLI_PATH) and captures its exit
// code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "unit/config/config_test_support.hpp"

namespace outpools::test {

struct cli_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

/// Runs `outpools ARGS...`; stdin is /dev/null.
inline cli_result run_cli(const std::vector<std::string>& args) {
  temp_dir dir;
  std::string command = shell_quote(OUTPOOLS_CLI_PATH);
  for (const std::string& a : args) command += " " + shell_quote(a);
  command += " </dev/null >" + shell_quote((dir.path() / "out").string()) + " 2>" +
             shell_quote((dir.path() / "err").string());
  const int status = std::system(command.c_str());
  cli_result r;
  r.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  r.out = read_all(dir.path() / "out");
  r.err = read_all(dir.path() / "err");
  return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// When `line` has the form `TYPE.TAG[@HOST]  strategy=S workers=N call_timeout=MS|infinity`,
/// its TYPE; else "". (No std::regex: GCC 12 warns inside it under -O1 with sanitizers.)
inline std::string summary_type(std::string_view line) {
  auto take = [&line](auto&& accept) {
    std::size_t n = 0;
    while (n < line.size() && accept(line[n])) ++n;
    std::string_view taken = line.substr(0, n);
    line.remove_prefix(n);
    return taken;
  };
  auto literal = [&line](std::string_view word) {
    if (line.substr(0, word.size()) != word) return false;
    line.remove_prefix(word.size());
    return true;
  };
  auto lower = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto tag_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  };
  const std::string type(take([](char c) { return c >= 'a' && c <= 'z'; }));
  if (type.empty() || !literal(".") || take(tag_char).empty()) return "";
  if (literal("@") && take([](char c) { return c != ' '; }).empty()) return "";
  if (!literal("  strategy=") || take(lower).empty()) return "";
  if (!literal(" workers=") || take(digit).empty()) return "";
  if (!literal(" call_timeout=")) return "";
  if (!literal("infinity") && take(digit).empty()) return "";
  return line.empty() ? type : "";
}

}  // namespace outpools::test
