// odbc_connection_string.hpp — reading an ODBC connection string: its pairs, its secrets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outpools::rdbms {

/// The key=value pairs of an ODBC connection string, in order: keys as written (untrimmed, as
/// unixODBC reads them), values trimmed, `{braced}` ones unbraced. Thread-safe.
std::vector<std::pair<std::string, std::string>> connection_string_pairs(std::string_view settings);

/// `message` (a driver manager's or driver's words about a connect with `settings`) with its
/// passwords masked as "****": whatever follows a PWD or PASSWORD key in the message, up to the
/// next ';', quote or the end (unixODBC quotes a malformed DRIVER value back with the rest of
/// the string), and the value of each password key of `settings` (a key containing PWD or
/// PASSWORD, any case) of 8 characters or more wherever it appears. Thread-safe.
std::string redact_connection_secrets(std::string message, std::string_view settings);

}  // namespace outpools::rdbms
