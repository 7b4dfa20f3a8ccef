#include "drivers/rdbms/number_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace outpools::rdbms {

std::optional<double> parse_double(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  const bool negative = text.front() == '-';
  const std::string_view magnitude = negative ? text.substr(1) : text;
  const auto named = [&](std::string_view name) {  // ASCII case only: no locale's tables
    if (magnitude.size() != name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if ((magnitude[i] | 0x20) != name[i]) return false;
    return true;
  };
  if (named("infinity") || named("inf"))
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  if (named("nan")) return std::numeric_limits<double>::quiet_NaN();
  double d = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, d, std::chars_format::general);
  if (ec != std::errc() || stop != end) return std::nullopt;  // out of range too
  return d;
}

std::string double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace outpools::rdbms
