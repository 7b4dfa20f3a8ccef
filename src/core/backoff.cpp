#include "core/backoff.hpp"

#include <algorithm>

namespace outpools::detail {

backoff::backoff(std::chrono::milliseconds min, std::chrono::milliseconds max,
                 std::uint64_t seed) noexcept
    : min_(std::max(min, std::chrono::milliseconds{1})),
      max_(std::max(max, min_)),
      state_(seed | 1) {}

std::chrono::milliseconds backoff::ceiling() const noexcept {
  std::int64_t b = min_.count();
  for (std::uint32_t i = 0; i < failures_ && b < max_.count(); ++i) b *= 2;
  return std::chrono::milliseconds{std::min(b, max_.count())};
}

std::chrono::milliseconds backoff::next() noexcept {
  const std::int64_t b = ceiling().count();
  const std::int64_t low = std::max(min_.count(), b - b / 4);
  const std::int64_t span = b - low + 1;
  ++failures_;
  return std::chrono::milliseconds{
      low + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(span))};
}

std::uint64_t backoff::random() noexcept {
  // xorshift64*: small, good enough for jitter.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1DULL;
}

}  // namespace outpools::detail
