#include "cli/cli_support.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

namespace outpools::cli {
namespace {
std::string log_level_name = "warn";
}

void add_log_level_option(CLI::App& command) {
  command
      .add_option("--log-level", log_level_name,
                  "Log level: trace, debug, info, warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
}

void apply_log_level() {
  spdlog::set_default_logger(spdlog::default_logger());  // stderr sink is spdlog's default
  spdlog::set_level(spdlog::level::from_str(log_level_name));
}

std::optional<configuration> load_or_report(const std::string& file) {
  load_result loaded = load_config_file(file);
  for (const diagnostic& d : loaded.diagnostics) std::cerr << d.to_string() << '\n';
  if (loaded.has_errors()) return std::nullopt;
  return std::move(loaded.config);
}

}  // namespace outpools::cli
