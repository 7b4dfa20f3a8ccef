// parameter_count.hpp — the answer to a call whose values do not match its statement's markers.
#pragma once

#include <cstddef>
#include <string>

namespace outpools::rdbms {

/// "the statement takes 1 parameter, 2 given": the message of the `invalid_argument` answer of a
/// call with `given` values for a statement with `expected` markers (drivers that would drop
/// extra values, or bind none to a marker, say this before running anything). Pure; any thread.
inline std::string wrong_parameter_count_message(std::size_t expected, std::size_t given) {
  return "the statement takes " + std::to_string(expected) +
         (expected == 1 ? " parameter, " : " parameters, ") + std::to_string(given) + " given";
}

}  // namespace outpools::rdbms
