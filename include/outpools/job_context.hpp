// outpools/job_context.hpp — what a job (a generic pool's callable) sees while it runs.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>

namespace outpools {

class connection_driver;

/// Handed to a job when its worker starts it. Valid until the job returns (for an awaitable job:
/// until its coroutine finishes). Only to be used on the worker's thread.
struct job_context {
  /// The worker's executor: the job runs on this io_context's thread, and an asynchronous job
  /// should start its timers and I/O on it.
  boost::asio::any_io_executor executor;
  /// Index of the worker running the job, 0-based, below the pool's `workers`.
  std::uint32_t worker = 0;
  /// The worker's connection (for typed clients); the generic driver for generic pools.
  connection_driver* connection = nullptr;
  /// Set when the caller stopped waiting (call_timeout elapsed) or the pool is stopping.
  const std::atomic<bool>* cancel_flag = nullptr;

  /// True once the job's result is no longer wanted: a cooperative job should stop early.
  /// Thread-safe (an atomic read).
  bool cancelled() const noexcept {
    return cancel_flag != nullptr && cancel_flag->load(std::memory_order_relaxed);
  }
};

}  // namespace outpools
