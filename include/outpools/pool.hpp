// outpools/pool.hpp — a pool of workers, and the calls made through it.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "outpools/call_options.hpp"
#include "outpools/call_result.hpp"
#include "outpools/detail/request.hpp"
#include "outpools/driver.hpp"
#include "outpools/io_threads.hpp"
#include "outpools/pool_spec.hpp"
#include "outpools/stats.hpp"

namespace outpools {

/// A pool of `spec.workers` workers, each owning one connection (through its driver) and serving
/// one request at a time, in arrival order. The strategy of the spec picks the worker of each call.
///
/// A *job* is a callable taking `job_context&` and returning `void`, `call_result`, or
/// `boost::asio::awaitable<void | call_result>` (an asynchronous job: it runs on the worker's
/// thread and may wait without blocking it). A job that throws completes with `job_failed`.
///
/// Every member function is thread-safe, except where noted.
class pool {
 public:
  /// Creates the pool and starts its workers on `threads` (worker i on thread (first_thread + i)
  /// mod threads.size()); returns at once: workers connect in the background, and a pool whose
  /// backend is down still starts, its workers backing off. `threads` must outlive the pool.
  static std::shared_ptr<pool> create(pool_spec spec, io_threads& threads, driver_factory drivers,
                                      std::size_t first_thread = 0);
  /// Stops the pool (as stop()) if it was not stopped.
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Runs `job` on a worker and completes with its call_result, through `token`: a callback
  /// `void(call_result)`, `boost::asio::use_awaitable`, `use_future`, `deferred`, ... The handler
  /// runs on its associated executor; a handler without one runs on one of the pool's I/O threads
  /// (it must not block). Errors (in the result, never thrown): `timeout` (call_timeout elapsed —
  /// a queued job then never runs; a running one has its cancel flag set; a synchronous job that
  /// blocks its I/O thread past the deadline is answered then all the same, within about 1 ms, by
  /// the I/O threads' stall keeper — but calls queued behind it on the same I/O thread can only be
  /// answered once it returns, so a long job should be an awaitable or poll
  /// job_context::cancelled()), `no_available_workers`
  /// (next_available_worker, every worker busy), `disconnected` (every worker failed to connect
  /// and is backing off; the diagnostics carry the last connect error), `dropped` (pushed out of a
  /// full mailbox), `shutting_down`, `job_failed`, and whatever the job returns. Completes exactly
  /// once.
  template <typename Job, typename Token>
  auto async_call(Job&& job, Token&& token) {
    return async_call(call_options{}, std::forward<Job>(job), std::forward<Token>(token));
  }

  /// As async_call(job, token), with per-call options (hash key, timeout).
  template <typename Job, typename Token>
  auto async_call(const call_options& options, Job&& job, Token&& token) {
    return boost::asio::async_initiate<Token, void(call_result)>(
        [this, options](auto handler, auto j) {
          using handler_t = decltype(handler);
          auto* r = new detail::request_impl<decltype(j), handler_t, executor_type>(
              std::move(j), std::move(handler), default_executor());
          dispatch(r, options);
        },
        token, std::decay_t<Job>(std::forward<Job>(job)));
  }

  /// Runs `job` and blocks the calling thread until it completes. Must not be called from an I/O
  /// thread (that could deadlock): there it returns `invalid_argument` at once.
  template <typename Job>
  call_result call(Job&& job, const call_options& options = {}) {
    if (io_threads::in_any_io_thread()) return blocking_on_io_thread();
    detail_waiter w;
    async_call(options, std::forward<Job>(job),
               [w](call_result r) mutable { w.set(std::move(r)); });
    return w.wait();
  }

  /// Runs `job` without waiting for it (fire and forget). The call is counted in the stats like
  /// any other (including timeouts and drops).
  template <typename Job>
  void cast(Job&& job, const call_options& options = {}) {
    async_call(options, std::forward<Job>(job), [](call_result) {});
  }

  /// Numbers of the pool and of each worker, read without locks. Thread-safe, about 1 µs per
  /// worker.
  pool_stats stats() const;
  /// The spec the pool was created from.
  const pool_spec& spec() const noexcept;
  /// "TYPE.TAG" or "TYPE.TAG@HOST".
  const std::string& name() const noexcept;
  /// Blocks until every worker is connected or `timeout` elapsed; true when all are connected.
  /// Must not be called from an I/O thread.
  bool wait_connected(std::chrono::milliseconds timeout) const;

  /// Stops the pool and blocks until it has stopped: new calls complete with `shutting_down`,
  /// queued calls complete with `shutting_down` without running, running calls are answered
  /// `shutting_down` and their jobs cancelled (cancel flag; an awaitable job gets terminal
  /// cancellation), then connections are closed. Idempotent. Returns `invalid_argument` (and does
  /// nothing) when called from an I/O thread.
  std::error_code stop();

  using executor_type = boost::asio::io_context::executor_type;
  /// The executor handlers without an associated executor run on.
  executor_type default_executor() const noexcept;

  struct impl;

 private:
  explicit pool(std::unique_ptr<impl> i);

  /// A blocking call's rendezvous; copies share one state.
  class detail_waiter {
   public:
    void set(call_result r);
    call_result wait();

   private:
    struct state;
    std::shared_ptr<state> state_ = make_state();
    static std::shared_ptr<state> make_state();
  };

  void dispatch(detail::request* r, const call_options& options);
  static call_result blocking_on_io_thread();

  std::unique_ptr<impl> impl_;
};

}  // namespace outpools
