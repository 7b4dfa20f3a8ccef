// side_cancels.hpp — cancel requests that block (libpq's PQcancel, an ODBC driver's SQLCancel)
// run on detached threads of their own; a server that never answers them would keep one such
// thread, and its socket, per timed-out call for ever. This bounds them.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

namespace outpools::rdbms {

/// A driver's budget of cancel threads in the process: at most one per connection at a time,
/// and `limit` alive at once. Thread-safe; meant to have static storage (the threads outlive
/// every connection).
class side_cancels {
 public:
  explicit constexpr side_cancels(int limit) noexcept : limit_(limit) {}

  /// Runs `work` on a detached thread, unless this connection's last one (`own`, its done flag)
  /// is still running, `limit` threads are alive, or no thread can be made: false then, and
  /// nothing was started. Otherwise `own` becomes the new thread's done flag (set, with
  /// release, once `work` returned). `work` must own everything it touches.
  template <typename Work>
  bool start(std::shared_ptr<std::atomic<bool>>& own, Work work) noexcept {
    if (own && !own->load(std::memory_order_acquire)) return false;
    if (alive_.fetch_add(1) >= limit_) {
      alive_.fetch_sub(1);
      return false;
    }
    try {
      auto done = std::make_shared<std::atomic<bool>>(false);
      std::thread([this, work = std::move(work), done]() mutable {
        work();
        done->store(true, std::memory_order_release);
        alive_.fetch_sub(1);
      }).detach();
      own = std::move(done);
      return true;
    } catch (...) {
      alive_.fetch_sub(1);
      return false;
    }
  }

  /// How many are alive now.
  int alive() const noexcept { return alive_.load(); }

 private:
  std::atomic<int> alive_{0};
  const int limit_;
};

}  // namespace outpools::rdbms
