// shared_queue.hpp — available_worker's pool-wide FIFO and its list of idle workers.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/mailbox.hpp"

namespace outpools::detail {

/// Invariants (under mutex_): a request waits here only while no worker is parked; a worker is
/// parked at most once, and only while connected, idle and with an empty mailbox. The oldest
/// request goes to the first worker that becomes idle; a request arriving when workers are parked
/// goes to the one parked longest. Requests past their deadline are completed with `timeout` by a
/// timer on `timer_executor` and never handed out. Thread-safe.
class shared_queue {
 public:
  /// `expire(r)` completes a request that timed out here (any thread, outside the lock).
  shared_queue(boost::asio::io_context::executor_type timer_executor,
               std::function<void(request*)> expire);

  /// Hands `r` to the parked worker that waited longest (returned: the caller posts r to it and
  /// counts it in its load), or queues it and returns no_worker.
  std::size_t submit(request* r);
  /// Called by an idle worker: the oldest unexpired request (expired ones are added to `expired`
  /// for the caller to complete), or null after parking the worker.
  request* take_or_park(std::uint32_t worker, std::vector<request*>& expired);
  /// Removes `worker` from the idle list if it is there (it went down or is stopping).
  void unpark(std::uint32_t worker);
  /// Removes and returns every waiting request; cancels the timer. Later submits still queue.
  std::vector<request*> take_all();
  /// Stops the timer for good (on the timer's thread). Call before destruction.
  void stop();
  /// Requests waiting (relaxed, may be stale). Thread-safe.
  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  void arm_locked(clock::time_point deadline);
  void on_timer();

  std::mutex mutex_;
  mailbox queue_;
  std::deque<std::uint32_t> idle_;
  std::atomic<std::size_t> size_{0};
  boost::asio::steady_timer timer_;
  clock::time_point armed_for_ = clock::time_point::max();  ///< under mutex_
  bool stopped_ = false;                                    ///< under mutex_
  std::function<void(request*)> expire_;
};

}  // namespace outpools::detail
