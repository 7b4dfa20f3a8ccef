// outpools/call_result.hpp — what every call completes with.
#pragma once

#include <string>
#include <system_error>
#include <utility>

#include "outpools/error.hpp"

namespace outpools {

/// The outcome of one call: success (an empty error) or an error of outpools' category
/// (outpools::errc) with a diagnostics string (the server's own message, the last connect error,
/// ...). Every call completes exactly once with one of these; no exception crosses the API.
struct call_result {
  std::error_code error;    ///< empty on success
  std::string diagnostics;  ///< human-readable detail; may be empty

  /// True on success.
  bool ok() const noexcept { return !error; }
  explicit operator bool() const noexcept { return ok(); }

  /// A successful result.
  static call_result success() { return {}; }
  /// A failed result with code `e` and `text` as diagnostics.
  static call_result failure(errc e, std::string text = {}) {
    return {make_error_code(e), std::move(text)};
  }
};

}  // namespace outpools
