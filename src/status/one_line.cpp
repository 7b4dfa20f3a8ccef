#include <cstdio>
#include <string>
#include <string_view>

#include "outpools/status.hpp"

namespace outpools {

std::string one_line(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0u;
    if (static_cast<unsigned char>(c) == 0xC2 && next >= 0x80 && next <= 0x9F) {
      // U+0080..U+009F: C1 controls (U+009B starts an escape sequence on some terminals).
      char hex[12];
      std::snprintf(hex, sizeof hex, "\\u%04x", next);
      out += hex;
      ++i;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace outpools
