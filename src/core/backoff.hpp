// backoff.hpp — how long a worker waits before reconnecting (pure, no clock).
#pragma once

#include <chrono>
#include <cstdint>

namespace outpools::detail {

/// Exponential backoff with jitter and a cap. The n-th consecutive failure (n from 0) waits a
/// time drawn uniformly from [max(min, b·3/4), b] where b = min(max, min·2^n); so the wait
/// doubles from `min` to `max` and never leaves [min, max]. reset() after a success.
/// Not thread-safe (one per worker).
class backoff {
 public:
  /// `min` ≤ `max`, both > 0 (milliseconds); `seed` drives the jitter (tests fix it).
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max,
          std::uint64_t seed) noexcept;

  /// The wait before the next attempt; counts one more failure.
  std::chrono::milliseconds next() noexcept;
  /// The upper bound b of the next wait (without jitter), for tests and messages.
  std::chrono::milliseconds ceiling() const noexcept;
  /// Forgets the failures: the next wait starts again from `min`.
  void reset() noexcept { failures_ = 0; }
  std::uint32_t failures() const noexcept { return failures_; }

 private:
  std::uint64_t random() noexcept;

  std::chrono::milliseconds min_, max_;
  std::uint32_t failures_ = 0;
  std::uint64_t state_;
};

}  // namespace outpools::detail
