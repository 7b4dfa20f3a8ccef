#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace outpools::cli {

void register_check_command(CLI::App&, command_list&) {}

}  // namespace outpools::cli
