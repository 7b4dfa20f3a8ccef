// commands.hpp — each subcommand registers itself here; main() runs the one that was parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

namespace outpools::cli {

/// Subcommands and the function that runs each (returning the process's exit code).
using command_list = std::vector<std::pair<CLI::App*, std::function<int()>>>;

void register_check_command(CLI::App& app, command_list& commands);
void register_show_command(CLI::App& app, command_list& commands);
void register_reference_command(CLI::App& app, command_list& commands);
void register_up_command(CLI::App& app, command_list& commands);
void register_call_command(CLI::App& app, command_list& commands);
void register_bench_command(CLI::App& app, command_list& commands);

}  // namespace outpools::cli
