// outpools/pool_manager.hpp — starts, finds and stops the pools of a configuration.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#include "outpools/config.hpp"
#include "outpools/driver.hpp"
#include "outpools/io_threads.hpp"
#include "outpools/pool.hpp"
#include "outpools/stats.hpp"

namespace outpools {

/// Owns the I/O threads and every running pool. All member functions are thread-safe; the
/// blocking ones (start_all, stop_pool, stop_all, the destructor) must not be called from an I/O
/// thread (they return `invalid_argument` there).
class pool_manager {
 public:
  /// Starts `io_thread_count` I/O threads (0, the default: one per core), run as `options` say
  /// (spin before sleeping, optional pinning to cores). The driver of generic pools is
  /// registered; other types need register_driver().
  explicit pool_manager(std::size_t io_thread_count = 0, io_thread_options options = {});
  /// Stops every pool (pending calls complete with `shutting_down`), then the threads.
  ~pool_manager();
  pool_manager(const pool_manager&) = delete;
  pool_manager& operator=(const pool_manager&) = delete;

  /// Sets the driver used for pools of `type` started from now on.
  void register_driver(pool_type type, driver_factory factory);

  /// Starts every pool of `config` (a pool whose backend is down still starts, its workers
  /// backing off). Returns the first error; `diagnostics` (if given) gets one line per pool that
  /// could not start: `invalid_argument` for a type without a registered driver or a name already
  /// running. The other pools are started anyway.
  std::error_code start_all(const configuration& config, std::string* diagnostics = nullptr);
  /// Starts one pool. Errors: `invalid_argument` (no driver for its type; a pool with the same
  /// name runs). Returns at once; the workers connect in the background.
  std::error_code start_pool(const pool_spec& spec, std::string* diagnostics = nullptr);
  /// Stops the pool (type, host, tag) — host nullopt: the global one — and forgets it, blocking
  /// until it stopped. Errors: `pool_not_found`.
  std::error_code stop_pool(pool_type type, const std::optional<std::string>& host,
                            std::string_view tag);
  /// Stops every pool, all at once (each waits for its calls' cancel requests to land, at most
  /// its grace period: see connection_driver::finish_cancels), blocking until all stopped.
  /// Idempotent.
  void stop_all();

  /// The pool for (type, host, tag): the host's own pool if there is one, else the global pool
  /// with that tag (host nullopt: only the global one). Null when neither exists.
  std::shared_ptr<pool> find(pool_type type, const std::optional<std::string>& host,
                             std::string_view tag) const;
  /// Stats of every running pool.
  std::vector<pool_stats> stats() const;
  /// The I/O threads (for an application's own timers and sockets).
  io_threads& threads() noexcept { return threads_; }

 private:
  using key = std::tuple<pool_type, std::string, std::string>;  // type, host ("" global), tag

  io_threads threads_;
  mutable std::shared_mutex mutex_;
  std::map<pool_type, driver_factory> drivers_;
  std::map<key, std::shared_ptr<pool>, std::less<>> pools_;
  std::size_t next_thread_ = 0;
};

}  // namespace outpools
