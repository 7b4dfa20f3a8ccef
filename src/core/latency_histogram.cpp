#include "outpools/latency_histogram.hpp"

#include <algorithm>
#include <bit>

namespace outpools {

std::size_t latency_histogram::bucket_of(std::uint64_t us) noexcept {
  if (us < 16) return static_cast<std::size_t>(us);
  const int exponent = std::bit_width(us) - 1;  // ≥ 4
  if (exponent >= 40) return bucket_count - 1;
  const std::uint64_t sub = (us >> (exponent - 3)) & (sub_buckets - 1);
  return 16 + static_cast<std::size_t>(exponent - 4) * sub_buckets + static_cast<std::size_t>(sub);
}

std::uint64_t latency_histogram::upper_bound_of(std::size_t bucket) noexcept {
  if (bucket < 16) return bucket;
  const std::size_t exponent = (bucket - 16) / sub_buckets + 4;
  const std::uint64_t sub = (bucket - 16) % sub_buckets;
  const std::uint64_t width = std::uint64_t{1} << (exponent - 3);
  return (std::uint64_t{1} << exponent) + (sub + 1) * width - 1;
}

void latency_histogram::record(std::uint64_t us) noexcept {
  auto& b = buckets_[bucket_of(us)];
  b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (us > max_.load(std::memory_order_relaxed)) max_.store(us, std::memory_order_relaxed);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) {
    const std::uint64_t add = other.buckets_[i].load(std::memory_order_relaxed);
    if (add != 0)
      buckets_[i].store(buckets_[i].load(std::memory_order_relaxed) + add,
                        std::memory_order_relaxed);
  }
  const std::uint64_t m = other.max_.load(std::memory_order_relaxed);
  if (m > max_.load(std::memory_order_relaxed)) max_.store(m, std::memory_order_relaxed);
}

std::uint64_t latency_histogram::count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

latency_summary latency_histogram::summary() const noexcept {
  latency_summary s;
  std::array<std::uint64_t, bucket_count> counts;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += counts[i];
  }
  s.max_us = max_.load(std::memory_order_relaxed);
  if (s.count == 0) return s;
  auto at = [&](double q) {
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(s.count - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts[i];
      if (seen >= rank) return std::min(upper_bound_of(i), s.max_us);
    }
    return s.max_us;
  };
  s.p50_us = at(0.50);
  s.p90_us = at(0.90);
  s.p99_us = at(0.99);
  return s;
}

}  // namespace outpools
