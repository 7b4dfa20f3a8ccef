#include "cli/cli_support.hpp"

#include "outpools/log.hpp"
#include "outpools/status.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace outpools::cli {
namespace {
std::string log_level_name = "warn";
}

CLI::Validator above_zero(const std::string& unit, double at_most) {
  return CLI::Validator(
      [unit, at_most](const std::string& text) {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value) || !(value > 0) || !std::isfinite(value))
          return "must be a number of " + unit + " above 0, not " + text;
        if (value > at_most)
          return "must be at most " + std::to_string(static_cast<long long>(at_most)) + " " + unit +
                 ", not " + text;
        return std::string();
      },
      unit + " above 0");
}

void add_log_level_option(CLI::App& command) {
  command
      .add_option("--log-level", log_level_name,
                  "Log level: trace, debug, info, warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
}

void apply_log_level() {
  // On stderr: stdout holds the command's output (a table, JSON).
  static std::shared_ptr<spdlog::logger> to_stderr = spdlog::stderr_color_mt("outpools");
  spdlog::set_default_logger(to_stderr);
  spdlog::set_level(spdlog::level::from_str(log_level_name));
  const spdlog::level::level_enum chosen = spdlog::get_level();
  if (chosen >= spdlog::level::critical) {  // critical, off: the library says nothing that high
    set_log_sink(nullptr);
    return;
  }
  const log_level threshold = chosen <= spdlog::level::trace   ? log_level::trace
                              : chosen == spdlog::level::debug ? log_level::debug
                              : chosen == spdlog::level::info  ? log_level::info
                              : chosen == spdlog::level::warn  ? log_level::warn
                                                               : log_level::error;
  set_log_sink(
      [](log_level level, std::string_view message) {
        const spdlog::level::level_enum as = level == log_level::trace   ? spdlog::level::trace
                                             : level == log_level::debug ? spdlog::level::debug
                                             : level == log_level::info  ? spdlog::level::info
                                             : level == log_level::warn  ? spdlog::level::warn
                                                                         : spdlog::level::err;
        spdlog::log(as, "{}", one_line(message));
      },
      threshold);
}

stop_signals::stop_signals(bool also_sigpipe) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGHUP);  // its terminal closed: stopped as cleanly as by the others
  sigset_t blocked = signals_;
  if (also_sigpipe) sigaddset(&blocked, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
}

bool stop_signals::wait_for(std::chrono::nanoseconds timeout) {
  const auto ns = std::max<std::chrono::nanoseconds::rep>(0, timeout.count());
  const timespec wait{.tv_sec = static_cast<time_t>(ns / 1000000000),
                      .tv_nsec = static_cast<long>(ns % 1000000000)};
  const int signal = sigtimedwait(&signals_, nullptr, &wait);
  return signal == SIGINT || signal == SIGTERM || signal == SIGHUP;
}

void stop_all_unless_signalled(pool_manager& manager, stop_signals& stop, const char* who,
                               int exit_code) {
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    manager.stop_all();
    stopped = true;
  });
  while (!stopped) {
    if (stop.wait_for(std::chrono::milliseconds(20))) {
      std::cerr << who
                << ": signalled while stopping: exiting without waiting for cancel "
                   "requests to land\n";
      std::cout.flush();
      std::cerr.flush();
      std::_Exit(exit_code);
    }
  }
  stopper.join();
}

std::optional<configuration> load_or_report(const std::string& file) {
  load_result loaded = load_config_file(file);
  for (const diagnostic& d : loaded.diagnostics) std::cerr << d.to_string() << '\n';
  if (loaded.has_errors()) return std::nullopt;
  return std::move(loaded.config);
}

}  // namespace outpools::cli
