// outpools/latency_histogram.hpp — a fixed-size, log-linear histogram of latencies.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace outpools {

/// Latency percentiles in microseconds.
struct latency_summary {
  std::uint64_t count = 0;  ///< samples recorded
  std::uint64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
};

/// Counts samples in microseconds in buckets of about 12.5% relative width (exact below 16 µs),
/// up to about 2^40 µs (12 days; larger samples land in the last bucket). One writer at a time
/// (record() is a relaxed load+store), any number of concurrent readers; merge() and summary()
/// read a consistent-enough snapshot without locks. Percentiles report a bucket's upper bound.
class latency_histogram {
 public:
  static constexpr std::size_t sub_buckets = 8;
  static constexpr std::size_t bucket_count = 16 + (40 - 4) * sub_buckets;

  /// Records one sample of `us` microseconds. Single writer only.
  void record(std::uint64_t us) noexcept;
  /// Records `d`, rounded down to microseconds (negative: 0). Single writer only.
  void record(std::chrono::nanoseconds d) noexcept {
    record(d.count() > 0 ? static_cast<std::uint64_t>(d.count()) / 1000 : 0);
  }
  /// Adds every count of `other` to this histogram. Single writer of *this.
  void merge(const latency_histogram& other) noexcept;
  /// p50/p90/p99/max of what was recorded. Thread-safe.
  latency_summary summary() const noexcept;
  /// Number of samples. Thread-safe.
  std::uint64_t count() const noexcept;

  /// The bucket a sample falls in, and the largest value that bucket holds (exposed for tests).
  static std::size_t bucket_of(std::uint64_t us) noexcept;
  static std::uint64_t upper_bound_of(std::size_t bucket) noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
  std::atomic<std::uint64_t> max_{0};
};

}  // namespace outpools
