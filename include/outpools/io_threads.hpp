// outpools/io_threads.hpp — the I/O threads the workers live on.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace outpools {
namespace detail {
class stall_keeper;
}

/// Declares that `context` is run by one thread at a time (its handlers never run concurrently).
/// Completions of calls whose handler runs on `context` then reach it through a lock-free
/// hand-off queue (woken by an eventfd when it sleeps) instead of asio::post, which contends
/// with the receiving thread on the scheduler's mutex. run_with_spin() does this itself; call it
/// for a context you run with plain run(), on that context's thread before it runs (the wake-up
/// it registers is not counted as work: run() still returns when the real work is done).
/// Throws std::system_error if no eventfd can be made. Idempotent.
void enable_handoff(boost::asio::io_context& context);

/// Runs `context` until it is stopped, as io_context::run() does, except that when it runs out
/// of work it keeps polling for up to `spin` before it blocks. A hand-off from another thread
/// then finds it awake and costs no wake-up (a futex wake and a context switch, which dominate a
/// call's cost at low and medium concurrency). Spinning burns CPU only while the context is
/// idle, at most `spin` at a time (µs); `spin` = 0 is plain run(). It first enables the
/// context's hand-off queue (enable_handoff) and, while it spins, watches that queue with an
/// atomic load, so senders to it post nothing. Call it on the one thread that runs `context`;
/// it returns when the context runs out of work or is stopped. Throws as enable_handoff.
void run_with_spin(boost::asio::io_context& context, std::chrono::microseconds spin);

/// How long an I/O thread polls before it sleeps, unless told otherwise.
inline constexpr std::chrono::microseconds default_io_spin{50};

/// How the I/O threads run.
struct io_thread_options {
  /// Poll this long before sleeping when out of work (see run_with_spin); 0: never spin.
  std::chrono::microseconds spin = default_io_spin;
  /// When not empty, thread i is pinned to core cores[i mod cores.size()] (taken mod the number
  /// of cores); empty (the default): not pinned. Unpinned, Linux may place two threads that hand
  /// work to each other on one core (wake-affine), where they trade time slices when both are
  /// busy: on 2 cores, 0.45 M calls/s instead of 1.9 M in `outpools bench` with no-op jobs.
  /// When the work is done by a server on the same machine, one core for the threads that hand
  /// calls to each other can be the better choice (docs/performance.md).
  std::vector<unsigned> cores;
};

/// Pins the calling thread to `core` (mod the number of cores). Returns false if the system
/// refused. Thread-safe.
bool pin_current_thread(unsigned core) noexcept;

/// N threads, each running its own io_context. Workers are placed on them round robin; a worker
/// stays on its thread. Constructed: the threads run; destroyed: they are stopped and joined
/// (pending handlers are destroyed unrun, so stop every pool first).
class io_threads {
 public:
  /// Starts `count` threads; 0 (the default) means one per core (std::thread::hardware_concurrency,
  /// at least 1). Each thread polls for `spin` before it sleeps (see run_with_spin). Throws
  /// std::system_error only if a thread cannot be created.
  explicit io_threads(std::size_t count = 0, io_thread_options options = {});
  ~io_threads();
  io_threads(const io_threads&) = delete;
  io_threads& operator=(const io_threads&) = delete;

  /// Number of threads. Thread-safe.
  std::size_t size() const noexcept { return contexts_.size(); }
  /// The io_context of thread `i` (i < size()). Thread-safe.
  boost::asio::io_context& context(std::size_t i) noexcept { return *contexts_[i]; }
  /// True when the calling thread is one of these threads. Thread-safe.
  bool in_io_thread() const noexcept;
  /// True when the calling thread is an I/O thread of any io_threads object. Thread-safe.
  static bool in_any_io_thread() noexcept;

  /// Blocks until every handler posted before this call to every thread has run. Must not be
  /// called from one of these threads.
  void drain();

  /// Watches the synchronous jobs these threads run (internal: used by the workers).
  detail::stall_keeper& stall_keeper() noexcept { return *keeper_; }

 private:
  using guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<guard> guards_;
  std::vector<std::thread> threads_;
  std::unique_ptr<detail::stall_keeper> keeper_;  ///< destroyed after the threads are joined
};

}  // namespace outpools
