// outpools/detail/request.hpp — one call on its way through a pool (internal).
//
// A request is created by the caller (pool::async_call), then owned by exactly one place at a time:
// a worker's mailbox, the pool-wide queue, or the worker running it. Its handler is delivered
// exactly once (deliver()). Two references keep it alive: its owner's (released with release()
// when the owner is done with it) and the delivery's (released once the handler has been moved
// out, which may happen on the caller's thread after the owner let go).
#pragma once

#include <atomic>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "outpools/call_result.hpp"
#include "outpools/detail/handoff.hpp"
#include "outpools/job_context.hpp"

namespace outpools::detail {

using clock = std::chrono::steady_clock;

class request;

/// What runs requests: told when an asynchronous job finishes. Implemented by the worker.
class job_host {
 public:
  /// Called on the worker's thread, once per request whose start() returned nullopt.
  virtual void job_finished(request& r, call_result result) = 0;

 protected:
  ~job_host() = default;
};

class request : public handoff_node {
 public:
  request() = default;
  request(const request&) = delete;
  request& operator=(const request&) = delete;
  virtual ~request() = default;

  /// Runs the job on the worker's thread (context_ is filled). Returns its result when it
  /// finished synchronously, else nullopt: host.job_finished() follows later.
  virtual std::optional<call_result> start(job_host& host) = 0;
  /// Hands `result` to the caller's handler (through its executor). Only after a successful
  /// claim_delivery(), so exactly once. Any thread.
  virtual void deliver(call_result result) = 0;
  /// True when the job is an ordinary function (it blocks its thread while it runs).
  virtual bool synchronous() const noexcept = 0;
  /// Takes the right to deliver: true once, for the first caller (the request's owner, or the
  /// stall keeper answering a synchronous job past its deadline). Any thread.
  bool claim_delivery() noexcept { return !delivered.exchange(true, std::memory_order_acq_rel); }
  /// Terminal cancellation of an asynchronous job (pool stopping). Worker's thread only.
  virtual void abort_job() noexcept {}
  /// Drops one of the two references (the owner's, or the delivery's); the last one destroys the
  /// request. Any thread.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  /// One more reference (the stall keeper's, while it watches the request). Any thread.
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }

  clock::time_point created{};                            ///< when the call was made
  clock::time_point deadline = clock::time_point::max();  ///< call_timeout from `created`
  std::atomic<bool> cancel_flag{false};                   ///< read by the job via job_context
  job_context context;                                    ///< filled by the worker before start()
  std::atomic<bool> delivered{false};                     ///< claimed for delivery
  /// Set by the stall keeper (after answered_elsewhere_at) just before it claims delivery to
  /// answer the call `timeout`; read by the worker only when its own claim failed.
  std::atomic<bool> answered_elsewhere{false};
  clock::time_point answered_elsewhere_at{};
  std::uint32_t worker = UINT32_MAX;  ///< whose load counts this request
  request* prev = nullptr;            ///< mailbox links (intrusive)
  request* next = nullptr;
  void* receiver = nullptr;  ///< the worker a hand-off to a worker's thread is for

 private:
  std::atomic<int> refs_{2};
};

template <typename T>
struct is_awaitable : std::false_type {};
template <typename T, typename E>
struct is_awaitable<boost::asio::awaitable<T, E>> : std::true_type {};

std::string describe_exception(std::exception_ptr e);

template <typename Job, typename Handler, typename Executor>
class request_impl final : public request {
  using job_return = std::invoke_result_t<Job&, job_context&>;
  static constexpr bool asynchronous = is_awaitable<job_return>::value;

 public:
  request_impl(Job job, Handler handler, const Executor& fallback)
      : job_(std::move(job)),
        handler_(std::move(handler)),
        work_(boost::asio::get_associated_executor(handler_, fallback)) {}

  std::optional<call_result> start(job_host& host) override {
    if constexpr (asynchronous) {
      boost::asio::co_spawn(
          context.executor, job_(context),
          boost::asio::bind_cancellation_slot(signal_.slot(), finisher{&host, this}));
      return std::nullopt;
    } else {
      try {
        if constexpr (std::is_void_v<job_return>) {
          job_(context);
          return call_result::success();
        } else {
          return call_result(job_(context));
        }
      } catch (...) {
        return call_result::failure(errc::job_failed, describe_exception(std::current_exception()));
      }
    }
  }

  bool synchronous() const noexcept override { return !asynchronous; }

  void deliver(call_result result) override {
    auto ex = work_.get_executor();
    if (handoff_queue* q = handoff_for(ex)) {
      // The caller's io_context is run by one thread: no lock, and no wake-up when it is awake.
      result_.emplace(std::move(result));
      complete = &complete_on_callers_thread;
      q->submit(this);
      return;
    }
    auto alloc = boost::asio::get_associated_allocator(handler_);
    boost::asio::post(ex, boost::asio::bind_allocator(
                              alloc, [h = std::move(handler_), r = std::move(result)]() mutable {
                                std::move(h)(std::move(r));
                              }));
    work_.reset();
    release();
  }

  void abort_job() noexcept override {
    if constexpr (asynchronous) signal_.emit(boost::asio::cancellation_type::terminal);
  }

 private:
  struct finisher {
    job_host* host;
    request* self;
    void operator()(std::exception_ptr e) const {
      host->job_finished(*self, e ? call_result::failure(errc::job_failed, describe_exception(e))
                                  : call_result::success());
    }
    template <typename R>
    void operator()(std::exception_ptr e, R r) const {
      host->job_finished(*self, e ? call_result::failure(errc::job_failed, describe_exception(e))
                                  : call_result(std::move(r)));
    }
  };

  static void complete_on_callers_thread(handoff_node* node, bool run) {
    auto* self = static_cast<request_impl*>(node);
    Handler h = std::move(self->handler_);
    call_result r = std::move(*self->result_);
    auto work = std::move(self->work_);  // the context keeps running until the handler has run
    self->release();
    if (run) std::move(h)(std::move(r));
  }

  struct no_signal {};
  Job job_;
  std::optional<call_result> result_;  ///< set by deliver() for a hand-off
  Handler handler_;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler, Executor>> work_;
  [[no_unique_address]] std::conditional_t<asynchronous, boost::asio::cancellation_signal,
                                           no_signal>
      signal_;
};

}  // namespace outpools::detail
