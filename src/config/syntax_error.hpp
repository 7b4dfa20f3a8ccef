// syntax_error.hpp — the diagnostic of a TOML syntax error, which never shows a secret's value.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "outpools/config.hpp"

namespace outpools::config {

/// The diagnostic of `error` in `text` (the file `file`): toml++'s position and description,
/// except on the statement of a secret option (password, settings, credentials, ...), where
/// toml++ may quote the value ("'12345678901234567890' is not representable in 64 bits"): there
/// the description stops before its details.
diagnostic syntax_error_diagnostic(std::string_view text, const std::string& file,
                                   const toml::parse_error& error);

}  // namespace outpools::config
