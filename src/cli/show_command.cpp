#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace outpools::cli {

void register_show_command(CLI::App&, command_list&) {}

}  // namespace outpools::cli
