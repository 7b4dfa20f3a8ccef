// outpools up FILE [--once] [--json] [--interval S]: start every pool and show their state.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
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

struct terminal_size {
  std::size_t columns = 80, rows = 24;
};

terminal_size stdout_terminal_size() {
  winsize size{};
  terminal_size t;
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return t;
  if (size.ws_col > 0) t.columns = size.ws_col;
  if (size.ws_row > 0) t.rows = size.ws_row;
  return t;
}

int run_up(const up_options& o) {
  std::optional<configuration> config = load_or_report(o.file);
  if (!config) return exit_bad_input;

  // SIGINT and SIGTERM are taken below: blocked before any thread starts. SIGPIPE too, in every
  // thread: a reader that goes away (`| head -1`) makes the write fail, and up stops cleanly
  // with exit 1 instead of being killed.
  stop_signals stop(true);

  pool_manager manager;
  register_builtin_drivers(manager);
  std::string start_errors;
  manager.start_all(*config, &start_errors);
  if (!wait_settled(manager, *config, std::chrono::milliseconds(250),
                    [&] { return stop.take(); })) {
    std::cerr << "outpools: stopping before every pool has connected\n";
    manager.stop_all();
    return o.once ? exit_failed : exit_ok;
  }

  const bool terminal = !o.json && ::isatty(STDOUT_FILENO);
  std::size_t drawn_rows = 0;
  // Prints one refresh; false when stdout is gone (a closed pipe: nobody reads any more).
  auto show = [&](const std::vector<pool_status>& status) {
    if (o.json) {
      std::cout << status_json_line(status, std::chrono::system_clock::now()) << std::endl;
      return static_cast<bool>(std::cout);
    }
    std::string table = status_table(status);
    const terminal_size screen = terminal ? stdout_terminal_size() : terminal_size{};
    if (terminal && drawn_rows > 0) {
      // Back up over the last table; one taller than the screen cannot be backed over (the
      // cursor stops at the top): the screen is cleared and the table drawn from its top.
      if (drawn_rows < screen.rows)
        std::cout << "\033[" << drawn_rows << "A\033[J";
      else
        std::cout << "\033[H\033[2J";
    }
    std::cout << table << std::flush;
    if (terminal) drawn_rows = screen_rows(table, screen.columns);
    return static_cast<bool>(std::cout);
  };

  std::vector<pool_status> status = read_status(manager, *config, start_errors);
  const bool written = show(status);
  if (o.once || !written) {
    bool all_up = std::all_of(status.begin(), status.end(),
                              [](const pool_status& s) { return s.state == "up"; });
    manager.stop_all();
    return all_up && written ? exit_ok : exit_failed;
  }
  const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(std::max(0.05, o.interval_s)));
  for (;;) {
    if (stop.wait_for(interval)) break;
    if (!show(read_status(manager, *config, start_errors))) {
      manager.stop_all();
      return exit_failed;  // stdout closed
    }
  }
  if (!o.json) std::cerr << "outpools: stopping (draining calls in flight)\n";
  stop_all_unless_signalled(manager, stop, "outpools", exit_ok);
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
      ->check(CLI::Validator(
          [](const std::string& text) {
            double seconds = 0;
            if (!CLI::detail::lexical_cast(text, seconds) || !(seconds > 0) || seconds > 86400)
              return std::string("must be a number of seconds above 0, at most 86400");
            return std::string();
          },
          "SECONDS in (0, 86400]"))
      ->capture_default_str();
  add_log_level_option(*up);
  commands.emplace_back(up, [o] { return run_up(*o); });
}

}  // namespace outpools::cli
