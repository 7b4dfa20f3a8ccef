// outpools/detail/handoff.hpp — handing work to another thread's io_context without a lock
// (internal).
//
// Every call crosses threads twice: the request to its worker's io_context, the completion back to
// the caller's. An `asio::post` takes the receiving scheduler's mutex, which the receiving thread
// also takes on every poll; under load the two threads contend on it and sleep on its futex
// (0.45 M instead of 2 M calls/s). A hand-off queue is a per-io_context lock-free queue of nodes
// drained in batches: a sender pushes its node and posts one drain only when nobody is already
// going to look at the queue (the context sleeps); a thread in run_with_spin watches the queue
// while it spins, so senders to a busy or spinning context never post at all.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <optional>
#include <type_traits>

namespace outpools::detail {

/// What a hand-off queue carries. The sender sets `complete` before handing the node over.
struct handoff_node {
  handoff_node* next_node = nullptr;  ///< the queue's link; the queue's alone while queued
  /// Runs the node on the queue's thread (run = true), or discards it without running it
  /// (run = false: the io_context is being destroyed with the node still queued).
  void (*complete)(handoff_node* self, bool run) = nullptr;
};

/// The hand-off queue of one io_context (an Asio service: one per context, created on first use,
/// destroyed with the context). A context's queue must be drained by one thread at a time: it is
/// enabled for contexts run by one thread (run_with_spin, io_threads). Thread-safe.
class handoff_queue final : public boost::asio::execution_context::service {
 public:
  using key_type = handoff_queue;
  static inline boost::asio::execution_context::id id;

  explicit handoff_queue(boost::asio::io_context& context);
  ~handoff_queue() override;

  /// Marks the context as run by one thread, so completions for it may be handed off here, and
  /// gives the queue a wake-up of its own (an eventfd in the context's reactor): a sender then
  /// wakes a sleeping context with one write(), without taking the context's scheduler mutex
  /// (which Asio holds while it interrupts the reactor, so the woken thread blocks on it: two
  /// futex calls more per hand-off). Call it on the thread that runs the context, before it runs.
  void enable();
  bool enabled() const noexcept { return enabled_.load(std::memory_order_acquire); }

  /// Queues `node` (FIFO with every other node of this queue) and makes sure a drain will run it
  /// on the context's thread. Lock-free unless a drain must be posted. Any thread.
  void submit(handoff_node* node) noexcept;

  /// For the thread running the context, while it spins: true when nodes are waiting. Lock-free.
  bool pending() const noexcept { return head_.load(std::memory_order_relaxed) != nullptr; }
  /// For the thread running the context, before it spins: takes the duty of looking at the queue
  /// (senders then post nothing). False when a drain is already scheduled.
  bool watch() noexcept { return !armed_.exchange(true, std::memory_order_seq_cst); }
  /// Ends watch(): posts a drain when nodes are waiting, else hands the duty back to senders.
  void unwatch() noexcept;
  /// Posts a drain (the duty of looking at the queue passes to it): after watch() saw pending(),
  /// or from a drain. The context's thread.
  void schedule_drain() noexcept;

 private:
  void shutdown() override;
  void drain();
  void await_wake();
  /// A sender's: makes a drain run on the context, through the eventfd when there is one.
  void wake() noexcept;
  handoff_node* take_all_fifo() noexcept;

  boost::asio::io_context& context_;
  alignas(64) std::atomic<handoff_node*> head_{nullptr};
  /// True while a drain is scheduled or running, or a spinning thread watches the queue.
  alignas(64) std::atomic<bool> armed_{false};
  std::atomic<bool> enabled_{false};
  std::atomic<int> wake_fd_{-1};  ///< the eventfd, once enabled and waited on
  std::optional<boost::asio::posix::stream_descriptor> wake_;
  std::uint64_t wake_count_ = 0;  ///< what the eventfd's read takes
};

/// The enabled hand-off queue of the io_context behind `ex`, or null (another kind of executor, or
/// a context not run by one thread). Each thread remembers its last lookup; a different context
/// (or a queue destroyed anywhere) costs the context's service registry lock. Thread-safe.
handoff_queue* enabled_handoff(boost::asio::io_context& context);

template <typename Executor>
handoff_queue* handoff_for(const Executor& ex) {
  using io_executor = boost::asio::io_context::executor_type;
  if constexpr (std::is_same_v<Executor, io_executor>) {
    return enabled_handoff(ex.context());
  } else if constexpr (requires { ex.template target<io_executor>(); }) {
    const io_executor* inner = ex.template target<io_executor>();
    return inner != nullptr ? enabled_handoff(inner->context()) : nullptr;
  } else {
    return nullptr;
  }
}

}  // namespace outpools::detail
