// pool_impl.hpp — the state of a pool shared by its callers and its workers (internal).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/shared_queue.hpp"
#include "core/strategy.hpp"
#include "outpools/pool.hpp"

namespace outpools::detail {
class worker;
}

namespace outpools {

struct pool::impl {
  impl(pool_spec s, io_threads& t);
  ~impl();

  /// Completes a request that never reached a worker's load (caller side, shared queue) with
  /// `e`, counts the outcome at pool level, and destroys it. Any thread.
  void fail(detail::request* r, errc e, std::string diagnostics);

  /// A worker's `down` flag changed (worker's thread). When every worker is down, queued calls
  /// are failed with `disconnected` and new calls fail at once.
  void set_worker_down(std::uint32_t index, bool down, const std::string& last_error);
  /// A worker's connection came up or went down (worker's thread).
  void set_worker_connected(std::uint32_t index, bool connected);
  /// Records why a worker lost or could not make its connection, for the status (worker's
  /// thread; takes error_mutex).
  void record_error(const std::string& error);
  /// The pool's last connect error (copy). Any thread.
  std::string last_error() const;
  /// A worker has stopped for good (worker's thread).
  void worker_stopped();

  pool_spec spec;
  std::string name;
  io_threads& threads;
  std::vector<std::unique_ptr<detail::worker>> workers;
  std::unique_ptr<detail::load_word[]> loads;
  std::unique_ptr<detail::shared_queue> shared;  ///< available_worker only

  alignas(64) std::atomic<std::uint64_t> next_index{0};  ///< next_worker / next_available_worker
  alignas(64) std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> dispatching{0};  ///< calls between the stopping check and their post
  alignas(64) std::atomic<std::uint32_t> down_count{0};
  std::atomic<std::uint32_t> connected_count{0};
  std::array<std::atomic<std::uint64_t>, outcome_slots> outcomes{};  ///< decided by the pool

  mutable std::mutex error_mutex;
  std::string last_error_text;

  std::mutex stop_mutex;  ///< serialises stop()
  bool stopped = false;   ///< under stop_mutex
  std::mutex stopped_mutex;
  std::condition_variable stopped_cv;
  std::uint32_t workers_stopped = 0;  ///< under stopped_mutex
};

}  // namespace outpools
