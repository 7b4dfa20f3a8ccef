#include "config/http_url.hpp"

#include <charconv>

namespace outpools::config {

std::optional<http_url> parse_http_url(std::string_view url, std::string& why) {
  http_url out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.https = true;
    out.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    why = "the scheme must be http:// or https://";
    return std::nullopt;
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string_view name = rest, port;
  bool has_port = false;
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      why = "an IPv6 address needs its closing ']'";
      return std::nullopt;
    }
    name = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      why = "unexpected text after the address";
      return std::nullopt;
    }
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    std::size_t colon = rest.find(':');
    has_port = colon != std::string_view::npos;
    if (has_port) {
      name = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (name.find_first_of("/?#@ \t[]") != std::string_view::npos) {
      why = "a path, query or user name is not part of host (use path_prefix for a path)";
      return std::nullopt;
    }
  }
  if (name.empty()) {
    why = "the host name is empty";
    return std::nullopt;
  }
  if (has_port) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
        value > 65535) {
      why =
          port.empty() ? "the port after ':' is empty" : "the port must be an integer in 1..65535";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  out.host_name = std::string(name);
  return out;
}

}  // namespace outpools::config
