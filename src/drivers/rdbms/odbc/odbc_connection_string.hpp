// odbc_connection_string.hpp — reading an ODBC connection string: its pairs, its secrets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outpools::rdbms {

/// The key=value pairs of an ODBC connection string, in order, keys as written, `{braced}`
/// values unbraced. Thread-safe.
std::vector<std::pair<std::string, std::string>> connection_string_pairs(std::string_view settings);

/// `message` (a driver manager's or driver's words about a connect with `settings`) with every
/// password of `settings` replaced by "****": the value of each key that contains PWD or
/// PASSWORD (any case), found both among the pairs and by a lenient scan for `PWD=` and
/// `PASSWORD=`, so that an echo of a malformed string (an unclosed brace) is covered too.
/// Thread-safe.
std::string redact_connection_secrets(std::string message, std::string_view settings);

}  // namespace outpools::rdbms
