// worker.hpp — one worker: a mailbox, a connection (driver) and the glue that performs its life
// cycle's actions on its io_context (internal).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mailbox.hpp"
#include "core/stall_keeper.hpp"
#include "core/worker_fsm.hpp"
#include "outpools/driver.hpp"
#include "outpools/pool.hpp"
#include "outpools/stats.hpp"

namespace outpools::detail {

/// Counters a worker writes (its thread only) and anyone may read (relaxed atomics).
struct worker_counters {
  std::atomic<worker_state> state{worker_state::initial};
  std::atomic<std::uint64_t> queue_length{0}, in_flight{0};
  std::array<std::atomic<std::uint64_t>, outcome_slots> outcomes{};
  latency_histogram latency;
  std::atomic<std::uint64_t> reconnects{0}, connect_failures{0}, drops{0}, transitions{0};
};

/// Lives on one io_context; every member except the post_*() functions and stats() runs on that
/// thread. Owned by the pool, which destroys it only after it stopped and its thread was drained.
class worker final : public job_host {
 public:
  /// `stall_slot` is the slot of `context`'s thread in `keeper`.
  worker(pool::impl& pool, std::uint32_t index, boost::asio::io_context& context,
         stall_keeper& keeper, stall_keeper::slot& stall_slot,
         std::unique_ptr<connection_driver> driver);
  ~worker();

  /// Any thread: start the life cycle; hand over a request (already counted in this worker's
  /// load); stop; fail the mailbox with `disconnected` (the whole pool is down).
  void post_start();
  void post_request(request* r);
  void post_stop();
  void post_flush_disconnected();

  /// A snapshot of the counters. Any thread.
  worker_stats stats() const;
  boost::asio::io_context::executor_type executor() const noexcept { return executor_; }
  /// Latencies of the calls this worker completed. Any thread (read only).
  const latency_histogram& latency() const noexcept { return counters_.latency; }

  void job_finished(request& r, call_result result) override;

 private:
  void receive(request* r);
  /// available_worker: gives `r` (already released) back to the pool-wide queue, or to the idle
  /// worker that queue hands it to.
  void resubmit_shared(request* r);
  /// available_worker, after the connection was lost: the calls still queued here go back to
  /// the pool-wide queue, where an idle worker takes them, instead of waiting for this one's
  /// reconnect (a call can be handed to a worker that is pinging, whose ping then fails).
  void hand_back_mailbox();
  void feed(worker_event event);
  void perform(worker_action action);
  void run_requests();
  request* take_next();
  void offer_idle();
  worker_event finish_running(request* r, call_result result);
  void finish_unrun(request* r, errc e, std::string diagnostics);
  /// Claims delivery and delivers; false when the call was answered already.
  bool answer(request* r, call_result result);
  void deliver_claimed(request* r, call_result result, clock::time_point now);
  void release(request* r);
  void connect(clock::time_point until);
  void on_connect_result(std::uint64_t attempt, call_result result);
  void arm_deadline(clock::time_point t);
  void on_deadline();
  void arm_keepalive();
  void arm_idle_check();
  enum class maintenance { ping, reset };
  /// Runs the driver's ping() or reset() (the state is then pinging or resetting), bounded by
  /// call_timeout: past it the driver is asked to cancel, and the operation fails however it
  /// ends.
  void run_bounded(maintenance what);
  /// The diagnostics of a call whose call_timeout passed before it ran: when this worker is not
  /// connected they name its state (e.g. `connecting`, `backoff`) and its last error.
  std::string queued_timeout_diagnostics() const;
  /// Sets last_error_ to `why`, prefixed with this worker's number.
  void note_error(const std::string& why);
  /// Closes the driver's connection and tells the state machine (`closed`).
  void close_now();
  void stop_now();
  void fail_mailbox(errc e, const std::string& diagnostics);
  void publish();
  void maybe_signal_stopped();

  pool::impl& pool_;
  const std::uint32_t index_;
  boost::asio::io_context::executor_type executor_;
  handoff_queue& inbox_;  ///< requests reach the worker's thread through it
  stall_keeper& keeper_;
  stall_keeper::slot& stall_slot_;
  std::unique_ptr<connection_driver> driver_;
  worker_fsm fsm_;
  mailbox mailbox_;
  request* running_ = nullptr;
  bool parked_ = false;  ///< in the shared queue's idle list
  bool in_run_loop_ = false;
  bool down_published_ = false, connected_published_ = false;
  bool finished_ = false, stop_signalled_ = false;
  int ops_in_flight_ = 0;  ///< connect/ping/reset coroutines not yet completed
  std::uint64_t attempt_ = 0;
  bool connect_resolved_ = true;
  std::uint64_t maintenance_ops_ = 0;   ///< pings and resets started
  bool maintenance_timed_out_ = false;  ///< the running one passed call_timeout: cancelled
  std::string last_error_;
  boost::asio::steady_timer deadline_timer_, lifecycle_timer_, keepalive_timer_, idle_check_timer_;
  clock::time_point armed_for_ = clock::time_point::max();
  std::vector<request*> expired_scratch_;
  worker_counters counters_;
};

}  // namespace outpools::detail
