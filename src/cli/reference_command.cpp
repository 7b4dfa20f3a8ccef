// outpools reference: the configuration reference (markdown), generated from the schema.
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace outpools::cli {

void register_reference_command(CLI::App& app, command_list& commands) {
  CLI::App* reference = app.add_subcommand(
      "reference",
      "Print the reference of every option (markdown), as docs/configuration.md has it");
  add_log_level_option(*reference);
  commands.emplace_back(reference, [] {
    std::cout << reference_markdown();
    return int{exit_ok};
  });
}

}  // namespace outpools::cli
