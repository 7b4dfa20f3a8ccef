// cli_support.hpp — what every subcommand of `outpools` shares: exit codes, logging, loading.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "outpools/config.hpp"

namespace outpools::cli {

/// Exit codes of every subcommand.
enum exit_code : int {
  exit_ok = 0,         ///< success
  exit_failed = 1,     ///< the work failed (a pool not up, a call that returned an error)
  exit_bad_input = 2,  ///< bad usage, unreadable file or invalid configuration
};

/// Adds `--log-level` to `command`; the chosen level is applied by apply_log_level().
void add_log_level_option(CLI::App& command);
/// Sets spdlog's level from the last parsed `--log-level` (default "warn").
void apply_log_level();

/// Loads `file`, prints every diagnostic on stderr. Returns the configuration, or nullopt when
/// it has errors (the caller exits with exit_bad_input).
std::optional<configuration> load_or_report(const std::string& file);

}  // namespace outpools::cli
