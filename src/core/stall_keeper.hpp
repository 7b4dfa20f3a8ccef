// stall_keeper.hpp — answers a synchronous job's call at its deadline while the job still blocks
// its I/O thread (internal).
//
// A synchronous job runs on its worker's I/O thread; while it runs, nothing else runs there, the
// worker's deadline timer included. So that such a call is still answered `timeout` at its
// deadline (and the job can see its cancel flag set, and stop), each I/O thread has a slot where
// its worker publishes the synchronous job it is running, and one thread per io_threads looks at
// the slots every millisecond while any is in use (it sleeps, woken by the next use, otherwise).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "outpools/detail/request.hpp"

namespace outpools::detail {

class stall_keeper {
 public:
  /// Where one I/O thread publishes the synchronous job it runs. Written by that thread only.
  struct alignas(64) slot {
    std::atomic<request*> running{nullptr};  ///< holds a reference of its own while set
    /// The running request's deadline, so the keeper never touches a request it does not own.
    std::atomic<clock::rep> deadline{0};
  };

  /// Starts the keeper's thread for `slots` I/O threads. Throws std::system_error if it cannot.
  explicit stall_keeper(std::size_t slots);
  /// Stops and joins the thread. Every slot must be empty (the I/O threads have stopped).
  ~stall_keeper();
  stall_keeper(const stall_keeper&) = delete;
  stall_keeper& operator=(const stall_keeper&) = delete;

  slot& at(std::size_t i) noexcept { return slots_[i]; }

  /// The I/O thread of `s` is about to run `r`'s synchronous job: watch it until disarm().
  /// Returns false (and does nothing) when the slot is in use already (a job that runs the
  /// context from inside itself).
  bool arm(slot& s, request* r) noexcept;
  /// The job has returned: stop watching it.
  void disarm(slot& s) noexcept;

 private:
  void run();
  bool any_armed() const noexcept;
  void answer_if_overdue(slot& s, clock::time_point now) noexcept;
  /// Answers `r` (owned: the keeper's reference) if it is overdue and unanswered; true when done
  /// with it (released).
  bool settle(request* r, clock::time_point now) noexcept;

  std::unique_ptr<slot[]> slots_;
  std::size_t count_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false, woken_ = false;  ///< under mutex_
  std::atomic<bool> sleeping_{false};  ///< the keeper waits for a wake-up, not for its tick
  /// Taken from a slot re-armed between the keeper's look and its take, not yet overdue
  /// (keeper's thread only).
  std::vector<request*> held_;
  std::thread thread_;
};

}  // namespace outpools::detail
