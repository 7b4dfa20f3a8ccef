// outpools — the command-line tool. Thin: every decision lives in the library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace outpools::cli;
  CLI::App app{"outpools: pools of outgoing connections, described in one TOML file"};
  app.set_version_flag("--version", std::string("outpools ") + OUTPOOLS_VERSION);
  app.require_subcommand(1);

  command_list commands;
  register_check_command(app, commands);
  register_show_command(app, commands);
  register_reference_command(app, commands);
  register_up_command(app, commands);
  register_call_command(app, commands);
  register_bench_command(app, commands);

  std::vector<std::string> arguments = shield_call_arguments(argc, argv);
  std::vector<const char*> pointers;
  for (const std::string& a : arguments) pointers.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_bad_input;
  }
  apply_log_level();
  for (const auto& [command, run] : commands) {
    if (command->parsed()) return run();
  }
  return exit_bad_input;
}
