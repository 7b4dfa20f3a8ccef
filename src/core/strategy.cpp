#include "core/strategy.hpp"

#include <random>

namespace outpools::detail {

std::size_t pick_best(std::span<const load_word> loads, std::size_t start) noexcept {
  const std::size_t n = loads.size();
  std::size_t i = start % n;
  std::size_t best = i;
  std::uint32_t best_load = loads[i].load(std::memory_order_relaxed);
  for (std::size_t k = 1; k < n && best_load != 0; ++k) {
    if (++i == n) i = 0;
    const std::uint32_t v = loads[i].load(std::memory_order_relaxed);
    if (v < best_load) {
      best = i;
      best_load = v;
    }
  }
  return best;
}

std::size_t claim_next_available(std::span<load_word> loads, std::size_t start) noexcept {
  const std::size_t n = loads.size();
  std::size_t i = start % n;
  for (std::size_t k = 0; k < n; ++k) {
    std::uint32_t expected = 0;
    if (loads[i].load(std::memory_order_relaxed) == 0 &&
        loads[i].compare_exchange_strong(expected, 1, std::memory_order_acq_rel))
      return i;
    if (++i == n) i = 0;
  }
  return no_worker;
}

std::size_t pick_by_hash(std::string_view key, std::size_t workers) noexcept {
  // FNV-1a: stable across runs and platforms (std::hash need not be).
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<std::size_t>(h % workers);
}

std::size_t pick_random(std::size_t workers) noexcept {
  thread_local std::uint64_t state = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32 | device()) | 1;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  const std::uint64_t r = state * 0x2545F4914F6CDD1DULL;
  // Lemire's multiply-shift: uniform enough for pool sizes ≤ 10000.
  return static_cast<std::size_t>(((r >> 32) * workers) >> 32);
}

}  // namespace outpools::detail
