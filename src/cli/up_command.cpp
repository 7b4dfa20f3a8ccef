// outpools up FILE [--once] [--json] [--interval S]: start every pool and show their state.
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "outpools/status.hpp"

namespace outpools::cli {
namespace {

struct up_options {
  std::string file;
  bool once = false;
  bool json = false;
  double interval_s = 2.0;
};

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

int run_up(const up_options& o) {
  std::optional<configuration> config = load_or_report(o.file);
  if (!config) return exit_bad_input;

  // SIGINT and SIGTERM are taken with sigtimedwait below: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  pool_manager manager;
  register_builtin_drivers(manager);
  std::string start_errors;
  manager.start_all(*config, &start_errors);
  wait_settled(manager, *config);

  const bool terminal = !o.json && ::isatty(STDOUT_FILENO);
  std::size_t drawn_lines = 0;
  auto show = [&](const std::vector<pool_status>& status) {
    if (o.json) {
      std::cout << status_json_line(status, std::chrono::system_clock::now()) << std::endl;
      return;
    }
    std::string table = status_table(status);
    if (terminal && drawn_lines > 0) std::cout << "\033[" << drawn_lines << "A\033[J";
    std::cout << table << std::flush;
    drawn_lines = line_count(table);
  };

  std::vector<pool_status> status = read_status(manager, *config, start_errors);
  show(status);
  if (o.once) {
    bool all_up = std::all_of(status.begin(), status.end(),
                              [](const pool_status& s) { return s.state == "up"; });
    manager.stop_all();
    return all_up ? exit_ok : exit_failed;
  }
  const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(std::max(0.05, o.interval_s)));
  timespec wait{.tv_sec = static_cast<time_t>(interval.count() / 1000000000),
                .tv_nsec = static_cast<long>(interval.count() % 1000000000)};
  for (;;) {
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) break;
    show(read_status(manager, *config, start_errors));
  }
  if (!o.json) std::cerr << "outpools: stopping (draining calls in flight)\n";
  manager.stop_all();
  return exit_ok;
}

}  // namespace

void register_up_command(CLI::App& app, command_list& commands) {
  auto o = std::make_shared<up_options>();
  CLI::App* up = app.add_subcommand(
      "up", "Start every pool and show its state (refreshed) until SIGINT/SIGTERM");
  up->add_option("FILE", o->file, "Configuration file (TOML)")->required();
  up->add_flag("--once", o->once, "Print the first table and exit: 0 if every pool is up, else 1");
  up->add_flag("--json", o->json, "One JSON line per refresh");
  up->add_option("--interval", o->interval_s, "Seconds between refreshes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_log_level_option(*up);
  commands.emplace_back(up, [o] { return run_up(*o); });
}

}  // namespace outpools::cli
