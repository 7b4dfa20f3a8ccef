// outpools show FILE [--json]: the effective configuration, every default filled in.
#include <iostream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace outpools::cli {

void register_show_command(CLI::App& app, command_list& commands) {
  struct options {
    std::string file;
    bool json = false;
  };
  auto opts = std::make_shared<options>();
  CLI::App* show = app.add_subcommand(
      "show", "Print the effective configuration, one entry per pool instance (secrets as ***)");
  show->add_option("FILE", opts->file, "Configuration file (TOML)")->required();
  show->add_flag("--json", opts->json, "Print a JSON array of objects");
  add_log_level_option(*show);
  commands.emplace_back(show, [opts] {
    std::optional<configuration> config = load_or_report(opts->file);
    if (!config) return int{exit_bad_input};
    std::cout << (opts->json ? describe_json(*config) : describe_text(*config));
    return int{exit_ok};
  });
}

}  // namespace outpools::cli
