// outpools/call_options.hpp — per-call settings.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace outpools {

/// Optional settings of one call. The default: the pool's call_timeout, no key.
struct call_options {
  /// For hash_worker pools: the affinity key (equal keys go to the same worker while the pool's
  /// size is unchanged). Ignored by other strategies; without it, hash_worker picks round robin.
  /// Read when the call is launched (for a deferred token such as use_awaitable: when it is
  /// awaited), so the text must live until then.
  std::optional<std::string_view> key;
  /// Overrides the pool's call_timeout for this call (milliseconds, > 0).
  std::optional<std::chrono::milliseconds> timeout;
};

}  // namespace outpools
