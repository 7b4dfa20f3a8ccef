// outpools check FILE: validate a configuration; one line per pool instance.
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace outpools::cli {

void register_check_command(CLI::App& app, command_list& commands) {
  auto file = std::make_shared<std::string>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Validate a configuration: exit 0 and one line per pool instance, or exit 2 and "
      "every error on stderr");
  check->add_option("FILE", *file, "Configuration file (TOML)")->required();
  add_log_level_option(*check);
  commands.emplace_back(check, [file] {
    std::optional<configuration> config = load_or_report(*file);
    if (!config) return int{exit_bad_input};
    for (const pool_spec& spec : config->pools) std::cout << summary_line(spec) << '\n';
    return int{exit_ok};
  });
}

}  // namespace outpools::cli
