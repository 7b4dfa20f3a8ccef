// cli_support.hpp — what every subcommand of `outpools` shares: exit codes, logging, loading.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <string>

#include <signal.h>

#include "outpools/config.hpp"
#include "outpools/pool_manager.hpp"

namespace outpools::cli {

/// Exit codes of every subcommand.
enum exit_code : int {
  exit_ok = 0,         ///< success
  exit_failed = 1,     ///< the work failed (a pool not up, a call that returned an error)
  exit_bad_input = 2,  ///< bad usage, unreadable file or invalid configuration
};

/// An option check that the value is a finite number above 0 and at most `at_most` (default:
/// 1e15, beyond any count a command makes), with that message (CLI11's own PositiveNumber
/// prints a range up to DBL_MAX); `unit` names what it counts ("seconds", "calls"). Pure; any
/// thread.
CLI::Validator above_zero(const std::string& unit, double at_most = 1e15);

/// Adds `--log-level` to `command`; the chosen level is applied by apply_log_level().
void add_log_level_option(CLI::App& command);
/// Sets spdlog's level from the last parsed `--log-level` (default "warn").
void apply_log_level();

/// SIGINT, SIGTERM and SIGHUP (the terminal closed), taken when the command asks rather than
/// by a handler: the constructor
/// blocks them in the calling thread, and so in every thread started after it (construct it
/// before any pool), for the rest of the process (a second one while the command stops is not
/// delivered later either). With `also_sigpipe`, SIGPIPE is blocked too, so that a write to a
/// closed pipe fails instead of killing the process. Not thread-safe: one object, on the
/// command's own thread.
class stop_signals {
 public:
  explicit stop_signals(bool also_sigpipe = false);
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  /// Waits up to `timeout` (0: not at all) for SIGINT, SIGTERM or SIGHUP; true when one came
  /// (it is taken).
  bool wait_for(std::chrono::nanoseconds timeout);
  /// wait_for(0): true when one of them is pending (it is taken).
  bool take() { return wait_for(std::chrono::nanoseconds{0}); }

 private:
  sigset_t signals_;
};

/// Stops every pool of `manager` (pool_manager::stop_all), which may wait for the cancel
/// requests of statements still running to land (at most each pool's grace period,
/// connect_timeout). A SIGINT or SIGTERM meanwhile ends that wait: `who` says so on stderr,
/// stdout and stderr are flushed, and the process exits at once with `exit_code` (the
/// statements are left to their servers). Returns once the stop has finished. Call it from
/// the command's own thread (the one that made `stop`).
void stop_all_unless_signalled(pool_manager& manager, stop_signals& stop, const char* who,
                               int exit_code);

/// Loads `file`, prints every diagnostic on stderr. Returns the configuration, or nullopt when
/// it has errors (the caller exits with exit_bad_input).
std::optional<configuration> load_or_report(const std::string& file);

}  // namespace outpools::cli
