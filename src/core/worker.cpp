#include "core/worker.hpp"

#include "outpools/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <string>

#include "core/pool_impl.hpp"

namespace outpools::detail {
namespace {

constexpr int run_budget = 64;  ///< synchronous jobs in a row before yielding to the io_context

std::size_t slot(const call_result& r) noexcept {
  if (!r.error) return 0;
  if (r.error.category() == error_category()) {
    const auto v = static_cast<std::size_t>(r.error.value());
    if (v < outcome_slots) return v;
  }
  return static_cast<std::size_t>(errc::server_error);  // a foreign error code
}

void bump(std::atomic<std::uint64_t>& a, std::uint64_t by = 1) noexcept {
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

worker_fsm_settings fsm_settings(const pool_spec& spec, std::uint32_t index) {
  worker_fsm_settings s;
  s.connect_timeout = spec.connect_timeout;
  s.backoff_min = spec.reconnect_backoff_min;
  s.backoff_max = spec.reconnect_backoff_max;
  s.seed = 0x9E3779B97F4A7C15ULL * (index + 1) ^
           static_cast<std::uint64_t>(clock::now().time_since_epoch().count());
  return s;
}

}  // namespace

worker::worker(pool::impl& pool, std::uint32_t index, boost::asio::io_context& context,
               stall_keeper& keeper, stall_keeper::slot& stall_slot,
               std::unique_ptr<connection_driver> driver)
    : pool_(pool),
      index_(index),
      executor_(context.get_executor()),
      inbox_(boost::asio::use_service<handoff_queue>(context)),
      keeper_(keeper),
      stall_slot_(stall_slot),
      driver_(std::move(driver)),
      fsm_(fsm_settings(pool.spec, index)),
      mailbox_(pool.spec.max_worker_queue_len),
      deadline_timer_(context),
      lifecycle_timer_(context),
      keepalive_timer_(context),
      idle_check_timer_(context) {}

worker::~worker() = default;

void worker::post_start() {
  boost::asio::post(executor_, [this] { feed(worker_event::start); });
}

void worker::post_request(request* r) {
  r->receiver = this;
  r->complete = [](handoff_node* node, bool run) {
    auto* req = static_cast<request*>(node);
    if (run) {
      static_cast<worker*>(req->receiver)->receive(req);
    } else {  // the I/O thread's context is being destroyed (the pool was never stopped)
      req->release();
      req->release();
    }
  };
  inbox_.submit(r);
}

void worker::post_stop() {
  boost::asio::post(executor_, [this] { stop_now(); });
}

void worker::post_flush_disconnected() {
  boost::asio::post(executor_, [this] {
    if (fsm_.down() && pool_.down_count.load() == pool_.workers.size())
      fail_mailbox(errc::disconnected, pool_.last_error());
  });
}

// ---- requests ------------------------------------------------------------------------------

void worker::receive(request* r) {
  const worker_state s = fsm_.state();
  if (s == worker_state::stopping || s == worker_state::stopped) {
    finish_unrun(r, errc::shutting_down, "pool " + pool_.name + " is stopping");
    return;
  }
  parked_ = false;  // whoever handed us r took us off the idle list
  if (pool_.shared && !fsm_.connected()) {
    // Went down after parking: give the request back to the pool-wide queue.
    release(r);
    resubmit_shared(r);
    return;
  }
  if (fsm_.down() && pool_.down_count.load() == pool_.workers.size()) {
    finish_unrun(r, errc::disconnected, pool_.last_error());
    return;
  }
  const bool can_start_now = s == worker_state::ready && running_ == nullptr;
  const clock::time_point deadline = r->deadline;
  request* dropped = mailbox_.push(r, can_start_now);
  if (dropped != nullptr) {
    bump(counters_.drops);
    finish_unrun(dropped, errc::dropped,
                 "pushed out of a full worker queue (max_worker_queue_len " +
                     std::to_string(mailbox_.max_len().value_or(0)) + ")");
  }
  if (dropped == r) {  // max_worker_queue_len 0 and the worker is busy
    publish();
    return;
  }
  arm_deadline(deadline);
  feed(worker_event::work_queued);
}

void worker::resubmit_shared(request* r) {
  const std::size_t w = pool_.shared->submit(r);
  if (w != no_worker) {
    r->worker = static_cast<std::uint32_t>(w);
    pool_.loads[w].fetch_add(1, std::memory_order_relaxed);
    pool_.workers[w]->post_request(r);
  }
}

void worker::hand_back_mailbox() {
  const worker_state s = fsm_.state();
  if (fsm_.connected() || s == worker_state::stopping || s == worker_state::stopped) return;
  while (request* r = mailbox_.pop_front()) {
    release(r);
    resubmit_shared(r);
  }
  publish();
}

request* worker::take_next() {
  if (request* r = mailbox_.pop_front()) return r;
  if (!pool_.shared || fsm_.state() != worker_state::busy) return nullptr;
  request* r = pool_.shared->take_or_park(index_, expired_scratch_);
  for (request* e : expired_scratch_)
    pool_.fail(e, errc::timeout, "call_timeout elapsed while waiting for an available worker");
  expired_scratch_.clear();
  if (r != nullptr) {
    r->worker = index_;
    pool_.loads[index_].fetch_add(1, std::memory_order_relaxed);
    if (r->deadline < armed_for_) arm_deadline(r->deadline);
  } else {
    parked_ = true;
  }
  return r;
}

// Runs requests while the life cycle says run_request; synchronous jobs complete inline.
void worker::run_requests() {
  if (in_run_loop_) return;
  in_run_loop_ = true;
  int budget = run_budget;
  for (;;) {
    request* r = take_next();
    if (r == nullptr) {
      perform(fsm_.resume(worker_event::request_done, clock::now(), false));
      break;
    }
    if (r->deadline <= clock::now()) {
      finish_unrun(r, errc::timeout, queued_timeout_diagnostics());
      continue;
    }
    running_ = r;
    r->context.executor = executor_;
    r->context.worker = index_;
    r->context.connection = driver_.get();
    r->context.cancel_flag = &r->cancel_flag;
    counters_.in_flight.store(1, std::memory_order_relaxed);
    // A synchronous job blocks this thread (and its deadline timer): the stall keeper watches it.
    const bool watched =
        r->synchronous() && r->deadline != clock::time_point::max() && keeper_.arm(stall_slot_, r);
    std::optional<call_result> result = r->start(*this);
    if (watched) keeper_.disarm(stall_slot_);
    if (!result) break;  // asynchronous: job_finished() follows
    running_ = nullptr;
    counters_.in_flight.store(0, std::memory_order_relaxed);
    const worker_event ev = finish_running(r, std::move(*result));
    const worker_action next = fsm_.resume(ev, clock::now(), !mailbox_.empty() || pool_.shared);
    if (next.what != worker_action::kind::run_request) {
      in_run_loop_ = false;
      perform(next);
      publish();
      return;
    }
    if (--budget == 0) {
      boost::asio::post(executor_, [this] {
        run_requests();
        publish();
      });
      break;
    }
  }
  in_run_loop_ = false;
  publish();
}

void worker::job_finished(request& r, call_result result) {
  running_ = nullptr;
  counters_.in_flight.store(0, std::memory_order_relaxed);
  feed(finish_running(&r, std::move(result)));
}

worker_event worker::finish_running(request* r, call_result result) {
  // The worker is free before the caller hears back, so a caller's next call finds it idle.
  release(r);
  const bool abandoned = !r->claim_delivery();
  bool fatal = false;
  if (!abandoned) {
    fatal = !result.ok() && driver_->is_fatal(result);
    if (fatal) note_error(result.diagnostics);
    const clock::time_point now = clock::now();
    if (r->deadline <= now) {
      // The job ended after its deadline, before the deadline timer's turn came (the thread
      // was busy): the caller's answer is still `timeout`, as it would have been on time.
      result = call_result::failure(errc::timeout,
                                    "call_timeout elapsed while the job was running; its result "
                                    "came too late and was dropped");
    }
    deliver_claimed(r, std::move(result), now);
  } else if (r->answered_elsewhere.load(std::memory_order_acquire)) {
    // The stall keeper answered it `timeout` while the job blocked this thread: counted here.
    bump(counters_.outcomes[static_cast<std::size_t>(errc::timeout)]);
    counters_.latency.record(r->answered_elsewhere_at - r->created);
  }
  r->release();
  if (fatal) return worker_event::request_fatal;
  return abandoned || driver_->needs_reset() ? worker_event::request_needs_reset
                                             : worker_event::request_done;
}

void worker::finish_unrun(request* r, errc e, std::string diagnostics) {
  release(r);
  answer(r, call_result::failure(e, std::move(diagnostics)));
  r->release();
}

bool worker::answer(request* r, call_result result) {
  if (!r->claim_delivery()) return false;
  deliver_claimed(r, std::move(result), clock::now());
  return true;
}

void worker::deliver_claimed(request* r, call_result result, clock::time_point now) {
  bump(counters_.outcomes[slot(result)]);
  counters_.latency.record(now - r->created);
  r->deliver(std::move(result));
}

void worker::release(request* r) {
  if (r->worker != UINT32_MAX) {
    pool_.loads[r->worker].fetch_sub(1, std::memory_order_relaxed);
    r->worker = UINT32_MAX;
  }
}

void worker::fail_mailbox(errc e, const std::string& diagnostics) {
  while (request* r = mailbox_.pop_front()) finish_unrun(r, e, diagnostics);
  publish();
}

// ---- deadlines: one timer per worker, armed for the earliest deadline it knows ---------------

void worker::arm_deadline(clock::time_point t) {
  if (t >= armed_for_ || t == clock::time_point::max()) return;
  armed_for_ = t;
  deadline_timer_.expires_at(t);
  deadline_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_deadline();
  });
}

void worker::on_deadline() {
  armed_for_ = clock::time_point::max();
  const clock::time_point now = clock::now();
  clock::time_point next = clock::time_point::max();
  if (running_ != nullptr && !running_->delivered.load(std::memory_order_acquire)) {
    if (running_->deadline <= now) {
      running_->cancel_flag.store(true, std::memory_order_relaxed);
      answer(running_, call_result::failure(errc::timeout,
                                            "call_timeout elapsed while the job was running; "
                                            "it was asked to cancel"));
      driver_->cancel();
    } else {
      next = running_->deadline;
    }
  }
  for (request* r = mailbox_.front(); r != nullptr;) {
    request* following = r->next;
    if (r->deadline <= now) {
      mailbox_.unlink(r);
      finish_unrun(r, errc::timeout, queued_timeout_diagnostics());
    } else if (r->deadline < next) {
      next = r->deadline;
    }
    r = following;
  }
  arm_deadline(next);
  publish();
}

// ---- life cycle ----------------------------------------------------------------------------

void worker::feed(worker_event event) {
  perform(fsm_.resume(event, clock::now(), !mailbox_.empty() || (pool_.shared && !parked_)));
  publish();
}

void worker::perform(worker_action action) {
  using kind = worker_action::kind;
  switch (action.what) {
    case kind::none:
      break;
    case kind::run_request:
      run_requests();
      break;
    case kind::connect:
      connect(action.until);
      break;
    case kind::ping:
      run_bounded(maintenance::ping);
      break;
    case kind::reset:
      run_bounded(maintenance::reset);
      break;
    case kind::close:
      if (fsm_.state() == worker_state::stopping) {
        // The pool stops: a cancel request still on its way must land first (finish_cancels).
        ++ops_in_flight_;
        boost::asio::co_spawn(executor_, driver_->finish_cancels(), [this](std::exception_ptr) {
          --ops_in_flight_;
          close_now();
        });
        break;
      }
      close_now();
      break;
    case kind::wait:
      lifecycle_timer_.expires_at(action.until);
      lifecycle_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) feed(worker_event::backoff_elapsed);
      });
      break;
    case kind::cancel:
      if (running_ != nullptr) running_->abort_job();
      driver_->cancel();
      break;
    case kind::finished:
      finished_ = true;
      deadline_timer_.cancel();
      lifecycle_timer_.cancel();
      keepalive_timer_.cancel();
      idle_check_timer_.cancel();
      maybe_signal_stopped();
      break;
  }
  if (fsm_.state() == worker_state::ready) offer_idle();
}

// available_worker: an idle worker takes the oldest request of the pool-wide queue, or parks.
void worker::offer_idle() {
  if (!pool_.shared || parked_ || in_run_loop_ || running_ != nullptr || !mailbox_.empty()) return;
  feed(worker_event::work_queued);  // busy → run_requests() takes from the shared queue or parks
}

void worker::connect(clock::time_point until) {
  const std::uint64_t attempt = ++attempt_;
  connect_resolved_ = false;
  ++ops_in_flight_;
  boost::asio::co_spawn(executor_, driver_->connect(),
                        [this, attempt](std::exception_ptr e, call_result r) {
                          --ops_in_flight_;
                          if (e)
                            r = call_result::failure(errc::disconnected, describe_exception(e));
                          on_connect_result(attempt, std::move(r));
                          maybe_signal_stopped();
                        });
  if (until != clock::time_point::max()) {
    lifecycle_timer_.expires_at(until);
    lifecycle_timer_.async_wait([this, attempt](boost::system::error_code ec) {
      if (ec || attempt != attempt_ || connect_resolved_) return;
      driver_->cancel();
      const auto limit = pool_.spec.connect_timeout.value_or(std::chrono::milliseconds{0});
      on_connect_result(attempt, call_result::failure(errc::timeout,
                                                      "connect timed out: not connected within "
                                                      "connect_timeout (" +
                                                          std::to_string(limit.count()) + " ms)"));
    });
  }
}

void worker::on_connect_result(std::uint64_t attempt, call_result result) {
  if (attempt != attempt_ || connect_resolved_) return;
  connect_resolved_ = true;
  lifecycle_timer_.cancel();
  if (result.ok()) {
    last_error_.clear();  // solved: not to be reported again when this connection ends
    if (log_enabled(log_level::info))
      log(log_level::info,
          "pool " + pool_.spec.name() + ": worker " + std::to_string(index_) + " connected");
    feed(worker_event::connected);
    arm_keepalive();
    arm_idle_check();
    return;
  }
  note_error(result.diagnostics.empty() ? result.error.message() : result.diagnostics);
  if (log_enabled(log_level::info))
    log(log_level::info, "pool " + pool_.spec.name() + ": connect failed: " + last_error_);
  // Every failure, not only the one that took the worker down: a pool that stays down (or
  // degraded) shows why its workers fail now, not why they failed first.
  pool_.record_error(last_error_);
  feed(worker_event::connect_failed);
}

void worker::arm_keepalive() {
  const auto interval = driver_->keepalive_interval();
  if (!interval || finished_) return;
  keepalive_timer_.expires_after(*interval);
  keepalive_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || finished_ || !fsm_.connected()) return;
    feed(worker_event::keepalive_due);
    arm_keepalive();
  });
}

std::string worker::queued_timeout_diagnostics() const {
  std::string why = "call_timeout elapsed while queued; the job was not run";
  if (fsm_.connected()) return why;
  // The call waited for a worker that never became ready: say what that worker was doing.
  const worker_state s = fsm_.state();
  why += " (worker " + std::to_string(index_) + " was not connected: ";
  why += s == worker_state::connecting ? "connecting"
         : s == worker_state::backoff  ? "waiting to reconnect"
                                       : std::string(to_string(s));
  if (!last_error_.empty()) why += "; last error: " + last_error_.substr(last_error_.find(':') + 2);
  why += ")";
  return why;
}

void worker::note_error(const std::string& why) {
  last_error_ = "worker " + std::to_string(index_) + ": " + why;
}

void worker::run_bounded(maintenance what) {
  // A ping or a reset is bounded like a call: at call_timeout the driver is asked to abandon it
  // (its wait ended and the connection broken at once; a hung server's was given up only after
  // the grace of a cancel request), and the connection is replaced even if the answer comes later —
  // a cancel still on its way could otherwise hit the next caller's statement. The lifecycle timer
  // is free meanwhile (no connect, no backoff); `op` tells this operation's expiry from an earlier
  // one's still queued.
  const bool is_ping = what == maintenance::ping;
  const worker_state during = is_ping ? worker_state::pinging : worker_state::resetting;
  const std::uint64_t op = ++maintenance_ops_;
  maintenance_timed_out_ = false;
  ++ops_in_flight_;
  // The worker is busy meanwhile: best_worker and next_available_worker look elsewhere (a hung
  // ping holds it until call_timeout).
  pool_.loads[index_].fetch_add(1, std::memory_order_relaxed);
  boost::asio::co_spawn(
      executor_, is_ping ? driver_->ping() : driver_->reset(),
      [this, is_ping](std::exception_ptr e, call_result r) {
        --ops_in_flight_;
        pool_.loads[index_].fetch_sub(1, std::memory_order_relaxed);
        lifecycle_timer_.cancel();  // this operation's bound (one at a time)
        if (!e && r.ok() && !maintenance_timed_out_) {
          feed(is_ping ? worker_event::ping_ok : worker_event::reset_ok);
        } else {
          std::string why = e ? describe_exception(e) : r.diagnostics;
          if (maintenance_timed_out_)
            why = std::string(is_ping ? "keepalive ping not answered"
                                      : "the rollback after a timed-out call not done") +
                  " within call_timeout (" + std::to_string(pool_.spec.call_timeout->count()) +
                  " ms)" + (!e && r.ok() ? std::string(" (it answered later)") : "; then: " + why);
          note_error(why);
          feed(is_ping ? worker_event::ping_failed : worker_event::reset_failed);
        }
        maybe_signal_stopped();
      });
  if (!pool_.spec.call_timeout) return;
  lifecycle_timer_.expires_after(*pool_.spec.call_timeout);
  lifecycle_timer_.async_wait([this, op, during](boost::system::error_code ec) {
    if (ec || op != maintenance_ops_ || fsm_.state() != during) return;
    maintenance_timed_out_ = true;
    driver_->abandon();  // the connection is replaced: no cancel request to wait for
  });
}

void worker::arm_idle_check() {
  const auto interval = driver_->idle_check_interval();
  if (!interval || finished_) return;
  idle_check_timer_.expires_after(*interval);
  idle_check_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || finished_ || !fsm_.connected()) return;  // re-armed by the next connect
    if (fsm_.state() == worker_state::ready) {
      if (std::optional<std::string> why = driver_->closed_while_idle()) {
        note_error(*why);
        feed(worker_event::idle_connection_lost);
        return;
      }
    }
    arm_idle_check();
  });
}

void worker::close_now() {
  driver_->close();
  keepalive_timer_.cancel();
  idle_check_timer_.cancel();
  feed(worker_event::closed);
}

void worker::stop_now() {
  if (fsm_.state() == worker_state::stopping || fsm_.state() == worker_state::stopped) return;
  const std::string why = "pool " + pool_.name + " is stopping";
  fail_mailbox(errc::shutting_down, why);
  if (running_ != nullptr) {
    running_->cancel_flag.store(true, std::memory_order_relaxed);
    answer(running_, call_result::failure(errc::shutting_down, why));
  }
  if (parked_ && pool_.shared) pool_.shared->unpark(index_);
  parked_ = false;
  feed(worker_event::stop);
}

void worker::maybe_signal_stopped() {
  if (!finished_ || stop_signalled_ || ops_in_flight_ > 0) return;
  stop_signalled_ = true;
  pool_.worker_stopped();
}

void worker::publish() {
  counters_.state.store(fsm_.state(), std::memory_order_relaxed);
  counters_.queue_length.store(mailbox_.size(), std::memory_order_relaxed);
  counters_.reconnects.store(fsm_.reconnects(), std::memory_order_relaxed);
  counters_.connect_failures.store(fsm_.connect_failures(), std::memory_order_relaxed);
  counters_.transitions.store(fsm_.transitions(), std::memory_order_relaxed);
  const bool connected = fsm_.connected();
  if (connected != connected_published_) {
    connected_published_ = connected;
    pool_.set_worker_connected(index_, connected);
    // A connection lost while in use or at a keepalive: why, for the pool's status.
    if (!connected && !last_error_.empty()) pool_.record_error(last_error_);
    if (!connected && fsm_.state() != worker_state::stopping &&
        fsm_.state() != worker_state::stopped && log_enabled(log_level::info))
      log(log_level::info,
          "pool " + pool_.spec.name() + ": connection lost: " +
              (last_error_.empty() ? "worker " + std::to_string(index_) : last_error_));
    // Posted: publish() may run inside a walk of the mailbox.
    if (!connected && pool_.shared && !mailbox_.empty())
      boost::asio::post(executor_, [this] { hand_back_mailbox(); });
  }
  const bool down = fsm_.down();
  if (down != down_published_) {
    down_published_ = down;
    if (down && parked_ && pool_.shared) {
      pool_.shared->unpark(index_);
      parked_ = false;
    }
    pool_.set_worker_down(index_, down, last_error_);
  }
}

worker_stats worker::stats() const {
  worker_stats s;
  s.index = index_;
  const worker_state st = counters_.state.load(std::memory_order_relaxed);
  s.state = to_string(st);
  s.connected = st == worker_state::ready || st == worker_state::busy ||
                st == worker_state::pinging || st == worker_state::resetting;
  s.queue_length = counters_.queue_length.load(std::memory_order_relaxed);
  s.in_flight = counters_.in_flight.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < outcome_slots; ++i)
    s.calls.by_outcome[i] = counters_.outcomes[i].load(std::memory_order_relaxed);
  s.latency = counters_.latency.summary();
  s.reconnects = counters_.reconnects.load(std::memory_order_relaxed);
  s.connect_failures = counters_.connect_failures.load(std::memory_order_relaxed);
  s.drops = counters_.drops.load(std::memory_order_relaxed);
  s.transitions = counters_.transitions.load(std::memory_order_relaxed);
  return s;
}

}  // namespace outpools::detail
