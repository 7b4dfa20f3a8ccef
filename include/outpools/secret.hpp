// outpools/secret.hpp — a string that never prints its value.
#pragma once

#include <string>
#include <utility>

namespace outpools {

/// Holds a password, key or connection string. It has no stream or format support of its own:
/// the only way to the value is reveal(), which a driver calls when it hands the value to its
/// client library. Anything that prints a secret prints `***` (see masked()).
/// Thread-safety: as std::string (const access from many threads is safe).
class secret {
 public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The value itself, for a client library. Never log it.
  const std::string& reveal() const noexcept { return value_; }
  /// True when the value is the empty string.
  bool empty() const noexcept { return value_.empty(); }
  /// What any output shows instead of the value.
  static constexpr const char* masked() noexcept { return "***"; }

  friend bool operator==(const secret&, const secret&) = default;

 private:
  std::string value_;
};

}  // namespace outpools
