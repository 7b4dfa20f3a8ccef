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

/// argv as CLI11 should read it. CLI11 would read a PARAM of `outpools call` written `[a,b]` as
/// the parameters a and b (`[]` as none), and one such as `-Infinity` or `-x` as an unknown
/// option; so every argument of `call` that begins with `[`, or with `-` followed by anything
/// but `-` (except `-h`, and the value of `--null` or `--log-level`), or is `++`, gets a leading
/// \x01 byte, which makes CLI11 take it as one positional. register_call_command removes that byte
/// again before the command runs. Other commands' arguments are returned unchanged. No errors.
std::vector<std::string> shield_call_arguments(int argc, const char* const* argv);

}  // namespace outpools::cli
