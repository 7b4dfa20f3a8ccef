// number_text.hpp — doubles to and from the text a server reads and writes, in the "C" form
// whatever the process's locale: strtod and printf follow LC_NUMERIC, so an application that
// sets a locale with a decimal comma would read PostgreSQL's "1.5" as 1 and send 1.5 as "1,5".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace outpools::rdbms {

/// The double that `text` writes — a decimal number as servers send it (`1.5`, `-2.5e-308`,
/// `1E+300`, `5e-324`), or `NaN`, `Infinity`, `-Infinity` (any case; `inf` too) — or
/// std::nullopt when `text` is not wholly one (empty, `1,5`, `1.5x`, a leading `+` or space,
/// hexadecimal) or lies beyond a double's range (`1e400`, `1e-400`). Locale-independent, no
/// allocation, thread-safe.
std::optional<double> parse_double(std::string_view text) noexcept;

/// The shortest text that reads back as `d` (`0.1`, `42`, `1e+300`, `-0`), with `NaN`,
/// `Infinity` and `-Infinity` as PostgreSQL writes them. Locale-independent, thread-safe.
std::string double_text(double d);

}  // namespace outpools::rdbms
