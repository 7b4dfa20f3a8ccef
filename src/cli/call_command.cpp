// outpools call FILE rdbms.TAG[@HOST] "SQL" [PARAM...] [--null N] [--json]: one query through
// the pool; the result as a table or JSON, or the error (exit 1).
#include <boost/json.hpp>
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
  std::vector<std::size_t> nulls;
  bool json = false;
};

json::value to_json(const rdbms::value& v) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) return *d;
  return json::string(rdbms::to_text(v));
}

void print_table(const rdbms::query_result& r) {
  if (r.columns.empty()) {
    std::cout << "OK, " << r.affected_rows << " row" << (r.affected_rows == 1 ? "" : "s")
              << " affected\n";
    return;
  }
  std::vector<std::size_t> widths;
  for (const std::string& c : r.columns) widths.push_back(c.size());
  std::vector<std::vector<std::string>> cells;
  for (const rdbms::row& row : r.rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line.push_back(rdbms::to_text(row[i]));
      widths[i] = std::max(widths[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::string cell = line[i];
      if (i + 1 < line.size()) cell.resize(widths[i], ' ');
      std::cout << (i ? " | " : " ") << cell;
    }
    std::cout << '\n';
  };
  print_line(r.columns);
  for (std::size_t i = 0; i < widths.size(); ++i)
    std::cout << (i ? "-+-" : "-") << std::string(widths[i], '-');
  std::cout << "-\n";
  for (const auto& line : cells) print_line(line);
  std::cout << "(" << r.rows.size() << " row" << (r.rows.size() == 1 ? "" : "s") << ")\n";
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
  for (std::size_t n : o.nulls) {
    if (n < 1 || n > params.size()) {
      std::cerr << "outpools call: --null " << n << ": there are " << params.size()
                << " parameters\n";
      return exit_bad_input;
    }
    params[n - 1] = std::monostate{};
  }

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
  rdbms::client client(manager.find(spec.type, spec.host, spec.tag));
  rdbms::query_result r = client.query(o.sql, std::move(params));
  manager.stop_all();

  if (!r.ok()) {
    std::cerr << "error: " << errc_name(static_cast<errc>(r.error.value())) << ": " << r.diagnostics
              << '\n';
    if (o.json) {
      std::cout << json::serialize(
                       json::object{{"error", errc_name(static_cast<errc>(r.error.value()))},
                                    {"sqlstate", r.sqlstate.empty() ? json::value(nullptr)
                                                                    : json::value(r.sqlstate)},
                                    {"message", r.diagnostics}})
                << '\n';
    }
    return exit_failed;
  }
  if (o.json) {
    json::array columns, rows;
    for (const std::string& c : r.columns) columns.emplace_back(c);
    for (const rdbms::row& row : r.rows) {
      json::array values;
      for (const rdbms::value& v : row) values.push_back(to_json(v));
      rows.push_back(std::move(values));
    }
    std::cout << json::serialize(json::object{{"columns", std::move(columns)},
                                              {"rows", std::move(rows)},
                                              {"affected_rows", r.affected_rows}})
              << '\n';
  } else {
    print_table(r);
  }
  return exit_ok;
}

}  // namespace

void register_call_command(CLI::App& app, command_list& commands) {
  auto o = std::make_shared<call_options_cli>();
  CLI::App* call = app.add_subcommand(
      "call", "Run one query through a pool and print the result (exit 1 on an error)");
  call->add_option("FILE", o->file, "Configuration file (TOML)")->required();
  call->add_option("POOL", o->pool, "The pool: rdbms.TAG or rdbms.TAG@HOST")->required();
  call->add_option("SQL", o->sql, "The statement; parameters as $1.. (pgsql) or ? (mysql, odbc)")
      ->required();
  call->add_option("PARAM", o->params, "Parameters, as text the server infers the type of");
  call->add_option("--null", o->nulls, "Make the N-th parameter (1-based) NULL; repeatable");
  call->add_flag("--json", o->json, "Print {columns, rows, affected_rows} as JSON");
  add_log_level_option(*call);
  commands.emplace_back(call, [o] { return run_call(*o); });
}

}  // namespace outpools::cli
