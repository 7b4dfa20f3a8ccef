// http_url.hpp — the http pool's `host`: "http[s]://NAME[:PORT]".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpools::config {

/// The parts of a valid http `host`.
struct http_url {
  bool https = false;
  std::string host_name;    ///< brackets removed from an IPv6 address
  std::uint16_t port = 80;  ///< as written, or 80/443 by scheme
};

/// Parses "http[s]://NAME[:PORT]" with an optional trailing "/" (no path, query or user
/// information). Returns the parts, or nullopt with `why` saying what is wrong. Thread-safe.
std::optional<http_url> parse_http_url(std::string_view url, std::string& why);

}  // namespace outpools::config
