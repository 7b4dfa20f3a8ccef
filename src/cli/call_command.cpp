// outpools call FILE rdbms.TAG[@HOST] "SQL" [PARAM...] [--null N] [--json]: one query through
// the pool; the result as a table or JSON, or the error (exit 1).
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "outpools/rdbms/client.hpp"
#include "outpools/status.hpp"

namespace outpools::cli {
namespace {

namespace json = boost::json;

struct call_options_cli {
  std::string file, pool, sql;
  std::vector<std::string> params;
  std::vector<std::string> nulls;  ///< as given: parsed here, and reported as written
  bool json = false;
};

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD, so that the JSON
// printed is UTF-8 (a text column may hold anything in a database with another encoding).
std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    bool ok = n > 0 && i + n <= text.size() && !(n == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90) && c <= 0xF4;
    }
    if (ok) {
      out.append(text, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

json::value to_json(const rdbms::value& v) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) return *d;
    return json::string(rdbms::to_text(v));  // JSON has no NaN or Infinity: "NaN", "Infinity"
  }
  return json::string(valid_utf8(rdbms::to_text(v)));
}

// A finite double as JSON: its shortest text (to_text, the table's: 0.1, 1e+300), ".0" added
// to a whole number so that it reads back as a float. (Boost.JSON would print 1E-1, 4.2E1.)
std::string json_double(double d) {
  std::string text = rdbms::to_text(rdbms::value(d));
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// A row as JSON text: doubles by json_double, every other value by Boost.JSON.
std::string json_row(const rdbms::row& row) {
  std::string out = "[";
  for (const rdbms::value& v : row) {
    if (out.size() > 1) out += ',';
    const double* d = std::get_if<double>(&v);
    out += d != nullptr && std::isfinite(*d) ? json_double(*d) : json::serialize(to_json(v));
  }
  return out + "]";
}

// A cell of the table.
std::string table_cell(const rdbms::value& v) { return one_line(rdbms::to_text(v)); }

void print_table(const rdbms::query_result& r) {
  if (r.columns.empty() && r.rows.empty()) {
    std::cout << "OK, " << r.affected_rows << " row" << (r.affected_rows == 1 ? "" : "s")
              << " affected\n";
    return;
  }
  if (r.columns.empty()) {  // rows of no column (pgsql: SELECT FROM t): only their count
    std::cout << "(" << r.rows.size() << " row" << (r.rows.size() == 1 ? "" : "s") << ")\n";
    return;
  }
  // Column names come from the statement (aliases): escaped as the cells are.
  std::vector<std::string> header;
  std::vector<std::size_t> widths;
  for (const std::string& c : r.columns) {
    header.push_back(one_line(c));
    widths.push_back(display_width(header.back()));
  }
  std::vector<std::vector<std::string>> cells;
  for (const rdbms::row& row : r.rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line.push_back(table_cell(row[i]));
      widths[i] = std::max(widths[i], display_width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::string cell = line[i];
      if (i + 1 < line.size()) cell.append(widths[i] - display_width(cell), ' ');
      std::cout << (i ? " | " : " ") << cell;
    }
    std::cout << '\n';
  };
  print_line(header);
  for (std::size_t i = 0; i < widths.size(); ++i)
    std::cout << (i ? "-+-" : "-") << std::string(widths[i], '-');
  std::cout << "-\n";
  for (const auto& line : cells) print_line(line);
  std::cout << "(" << r.rows.size() << " row" << (r.rows.size() == 1 ? "" : "s") << ")\n";
  if (r.affected_rows > 0) std::cout << r.affected_rows << " affected\n";
}

// The server's message alone: diagnostics of a server error begin "SQLSTATE XXXXX: ". An ODBC
// driver's message begins with the components it passed through, "[vendor][component]..." (the
// ODBC format of a diagnostic): those go too (`through_odbc`).
std::string server_message(const rdbms::query_result& r, bool through_odbc) {
  const std::string prefix = "SQLSTATE " + r.sqlstate + ": ";
  std::string_view message = r.diagnostics;
  if (!r.sqlstate.empty() && message.starts_with(prefix)) message.remove_prefix(prefix.size());
  while (through_odbc && message.starts_with('[')) {
    const std::size_t close = message.find(']');
    if (close == std::string_view::npos || close + 1 == message.size()) break;
    message.remove_prefix(close + 1);
  }
  return std::string(message);
}

// Prints the answer of a call: its rows (a table, or JSON with `json`), or its error on stderr
// (and as JSON on stdout with `json`). Returns the exit code.
int print_answer(const rdbms::query_result& r, bool json_output, bool interrupted,
                 bool through_odbc) {
  if (interrupted && !r.ok()) {
    std::cerr << "outpools call: interrupted: the call was stopped (had its statement started, "
                 "it is sent a cancel request)\n";
  }
  for (const std::string& notice : r.notices) std::cerr << one_line(notice) << '\n';
  if (!r.ok()) {
    std::cerr << "error: " << errc_name(static_cast<errc>(r.error.value())) << ": "
              << one_line(r.diagnostics) << '\n';
    if (json_output) {
      std::cout << json::serialize(
                       json::object{{"error", errc_name(static_cast<errc>(r.error.value()))},
                                    {"sqlstate", r.sqlstate.empty() ? json::value(nullptr)
                                                                    : json::value(r.sqlstate)},
                                    {"message", valid_utf8(server_message(r, through_odbc))}})
                << '\n';
    }
    return exit_failed;
  }
  if (json_output) {
    json::array columns;
    for (const std::string& c : r.columns) columns.emplace_back(valid_utf8(c));
    std::string rows;
    for (const rdbms::row& row : r.rows) rows += (rows.empty() ? "" : ",") + json_row(row);
    std::cout << "{\"columns\":" << json::serialize(columns) << ",\"rows\":[" << rows
              << "],\"affected_rows\":" << r.affected_rows << "}\n";
  } else {
    print_table(r);
  }
  return exit_ok;
}

int run_call(const call_options_cli& o) {
  std::optional<configuration> config = load_or_report(o.file);
  if (!config) return exit_bad_input;
  std::string why;
  const pool_spec* found = find_pool(*config, o.pool, why);
  if (found == nullptr) {
    std::cerr << "outpools call: " << why << '\n';
    return exit_bad_input;
  }
  if (found->type != pool_type::rdbms) {
    std::cerr << "outpools call: " << o.pool << " is a " << to_string(found->type)
              << " pool; call supports rdbms pools\n";
    return exit_bad_input;
  }
  std::vector<rdbms::value> params;
  for (const std::string& p : o.params) params.emplace_back(p);
  for (const std::string& text : o.nulls) {
    long long n = 0;
    const char* const end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, n);
    if (stop != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      std::cerr << "outpools call: --null " << text
                << ": not a number (--null N makes the N-th parameter NULL)\n";
      return exit_bad_input;
    }
    if (ec == std::errc::result_out_of_range || n < 1 ||
        static_cast<unsigned long long>(n) > params.size()) {
      std::cerr << "outpools call: --null " << text << ": parameters count from 1, and "
                << (params.size() == 1
                        ? "there is 1 parameter"
                        : "there are " + std::to_string(params.size()) + " parameters")
                << '\n';
      return exit_bad_input;
    }
    params[static_cast<std::size_t>(n - 1)] = std::monostate{};
  }

  // SIGINT/SIGTERM stop the pool, which cancels the statement on the server (as at
  // call_timeout) and answers the call: blocked before the pool's threads start.
  stop_signals stop;
  // One query needs one connection: the pool is started with a single worker.
  pool_spec spec = *found;
  spec.workers = 1;
  pool_manager manager(1);
  register_builtin_drivers(manager);
  std::string start_error;
  if (manager.start_pool(spec, &start_error)) {
    std::cerr << "outpools call: " << start_error << '\n';
    return exit_failed;
  }
  // The worker connects first (or fails once, bounded by connect_timeout), as `up` waits: a
  // next_available_worker pool takes a call only on a connected, idle worker, and would answer
  // no_available_workers to one sent while it connects.
  configuration just_this;
  just_this.pools.push_back(spec);
  bool interrupted = false;
  wait_settled(manager, just_this, std::chrono::milliseconds(250), [&] {
    interrupted = interrupted || stop.take();
    return interrupted;
  });
  if (interrupted) {
    std::cerr << "outpools call: interrupted before its pool connected; nothing was run\n";
    stop_all_unless_signalled(manager, stop, "outpools call", exit_failed);
    return exit_failed;
  }
  rdbms::client client(manager.find(spec.type, spec.host, spec.tag));
  // (A promise of its own rather than asio::use_future, which GCC 12 warns about at -O1.)
  std::promise<rdbms::query_result> promise;
  std::future<rdbms::query_result> answer = promise.get_future();
  client.async_query(o.sql, std::move(params), [&promise](rdbms::query_result r) {
    promise.set_value(std::move(r));  // on an I/O thread: does not block
  });
  while (answer.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    if (stop.take()) {
      interrupted = true;
      break;
    }
  }
  // Stopped by a signal: the stop cancels the statement and answers the call. Otherwise the
  // answer is printed first — at call_timeout for a `timeout` — and the stop, which may wait
  // for that statement's cancel request to land (at most its grace period), comes after.
  if (interrupted) stop_all_unless_signalled(manager, stop, "outpools call", exit_failed);
  rdbms::query_result r = answer.get();
  const auto* options = std::get_if<rdbms_options>(&spec.connection);
  const bool through_odbc = options != nullptr && options->driver == rdbms_driver::odbc;
  const int code = print_answer(r, o.json, interrupted, through_odbc);
  std::cout.flush();
  std::cerr.flush();
  stop_all_unless_signalled(manager, stop, "outpools call", code);
  return code;
}

constexpr char shield_mark = '\x01';

std::string unshielded(std::string argument) {
  if (!argument.empty() && argument.front() == shield_mark) argument.erase(0, 1);
  return argument;
}

}  // namespace

std::vector<std::string> shield_call_arguments(int argc, const char* const* argv) {
  std::vector<std::string> out(argv, argv + argc);
  // The subcommand is the first word that is not an option (the root app has flags only).
  std::size_t i = 1;
  while (i < out.size() && out[i].starts_with('-')) ++i;
  if (i >= out.size() || out[i] != "call") return out;
  bool positional_only = false, takes_a_value = false;
  for (++i; i < out.size(); ++i) {
    std::string& a = out[i];
    const bool bracket_or_mark = !a.empty() && (a.front() == '[' || a.front() == shield_mark);
    const bool single_dash = a.size() > 1 && a[0] == '-' && a[1] != '-' && a != "-h";
    const bool terminator = a == "++";  // CLI11 would end the subcommand there
    if (positional_only) {
      if (bracket_or_mark) a.insert(a.begin(), shield_mark);
      continue;
    }
    if (takes_a_value) {  // --null -1 is reported as the number it is
      takes_a_value = false;
      continue;
    }
    if (a == "--") {
      positional_only = true;
    } else if (a == "--null" || a == "--log-level") {
      takes_a_value = true;
    } else if (bracket_or_mark || single_dash || terminator) {
      a.insert(a.begin(), shield_mark);
    }
  }
  return out;
}

void register_call_command(CLI::App& app, command_list& commands) {
  auto o = std::make_shared<call_options_cli>();
  CLI::App* call = app.add_subcommand(
      "call", "Run one query through a pool and print the result (exit 1 on an error)");
  call->add_option("FILE", o->file, "Configuration file (TOML)")->required();
  call->add_option("POOL", o->pool, "The pool: rdbms.TAG or rdbms.TAG@HOST")->required();
  call->add_option("SQL", o->sql, "The statement; parameters as $1.. (pgsql) or ? (mysql, odbc)")
      ->required();
  call->add_option("PARAM", o->params,
                   "Parameters, as text the server infers the type of (one that begins with "
                   "--, or is -h, goes after a lone --)");
  // One number per --null, so that parameters may follow it: `--null 2 x` is --null 2, then x.
  call->add_option("--null", o->nulls, "Make the N-th parameter (1-based) NULL; repeatable")
      ->allow_extra_args(false);
  call->add_flag("--json", o->json, "Print {columns, rows, affected_rows} as JSON");
  add_log_level_option(*call);
  commands.emplace_back(call, [o] {
    // The arguments as they were given (shield_call_arguments marked some for CLI11).
    for (std::string* a : {&o->file, &o->pool, &o->sql}) *a = unshielded(std::move(*a));
    for (std::string& p : o->params) p = unshielded(std::move(p));
    return run_call(*o);
  });
}

}  // namespace outpools::cli
