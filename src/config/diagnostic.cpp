#include <algorithm>

#include "outpools/config.hpp"

namespace outpools {

std::string diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": ";
  if (severity == level::warning) out += "warning: ";
  if (severity == level::note) out += "note: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

bool load_result::has_errors() const noexcept {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const diagnostic& d) { return d.severity == diagnostic::level::error; });
}

}  // namespace outpools
