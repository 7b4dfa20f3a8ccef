#include "core/worker_fsm.hpp"

namespace outpools::detail {

using kind = worker_action::kind;

std::string_view to_string(worker_state s) noexcept {
  switch (s) {
    case worker_state::initial:
      return "initial";
    case worker_state::connecting:
      return "connecting";
    case worker_state::ready:
      return "ready";
    case worker_state::busy:
      return "busy";
    case worker_state::pinging:
      return "pinging";
    case worker_state::resetting:
      return "resetting";
    case worker_state::broken:
      return "broken";
    case worker_state::backoff:
      return "backoff";
    case worker_state::stopping:
      return "stopping";
    case worker_state::stopped:
      return "stopped";
  }
  return "unknown";
}

worker_fsm::worker_fsm(const worker_fsm_settings& settings) noexcept
    : settings_(settings), backoff_(settings.backoff_min, settings.backoff_max, settings.seed) {}

bool worker_fsm::connected() const noexcept {
  return state_ == worker_state::ready || state_ == worker_state::busy ||
         state_ == worker_state::pinging || state_ == worker_state::resetting;
}

void worker_fsm::go(worker_state next) noexcept {
  if (next == state_) return;
  ++counts_[index(state_)][index(next)];
  ++total_transitions_;
  state_ = next;
}

worker_action worker_fsm::start_connect(time_point now) noexcept {
  if (connects_++ > 0) ++reconnects_;
  go(worker_state::connecting);
  const time_point until =
      settings_.connect_timeout ? now + *settings_.connect_timeout : time_point::max();
  return {kind::connect, until};
}

worker_action worker_fsm::after_idle(bool work_waiting) noexcept {
  if (work_waiting) {
    go(worker_state::busy);
    return {kind::run_request, {}};
  }
  go(worker_state::ready);
  return {};
}

worker_action worker_fsm::resume(worker_event event, time_point now, bool work_waiting) noexcept {
  using ev = worker_event;
  using st = worker_state;

  if (state_ == st::stopped) return {};
  if (state_ == st::stopping) {
    switch (event) {
      case ev::connected:
      case ev::connect_failed:
      case ev::request_done:
      case ev::request_fatal:
      case ev::request_needs_reset:
      case ev::ping_ok:
      case ev::ping_failed:
      case ev::reset_ok:
      case ev::reset_failed:
        if (!operation_outstanding_) return {};
        operation_outstanding_ = false;
        if (closing_) return {};
        closing_ = true;
        return {kind::close, {}};
      case ev::closed:
        if (operation_outstanding_) return {};
        go(st::stopped);
        return {kind::finished, {}};
      default:
        return {};
    }
  }
  if (event == ev::stop) {
    const st before = state_;
    go(st::stopping);
    switch (before) {
      case st::connecting:
      case st::busy:
      case st::pinging:
      case st::resetting:
        operation_outstanding_ = true;
        return {kind::cancel, {}};
      case st::broken:  // a close is already under way; its `closed` finishes the stop
        closing_ = true;
        return {};
      default:
        closing_ = true;
        return {kind::close, {}};
    }
  }

  switch (state_) {
    case st::initial:
      if (event == ev::start) return start_connect(now);
      return {};
    case st::connecting:
      if (event == ev::connected) {
        down_ = false;
        backoff_.reset();
        return after_idle(work_waiting);
      }
      if (event == ev::connect_failed) {
        down_ = true;
        ++connect_failures_;
        go(st::broken);
        return {kind::close, {}};
      }
      return {};
    case st::ready:
      if (event == ev::work_queued) return after_idle(true);
      if (event == ev::keepalive_due) {
        go(st::pinging);
        return {kind::ping, {}};
      }
      if (event == ev::idle_connection_lost) {
        go(st::broken);
        return {kind::close, {}};
      }
      return {};
    case st::busy:
      if (event == ev::request_done) return after_idle(work_waiting);
      if (event == ev::request_needs_reset) {
        go(st::resetting);
        return {kind::reset, {}};
      }
      if (event == ev::request_fatal) {
        // Broken, not down: calls wait for the reconnect (within their call_timeout) until a
        // connect attempt has failed.
        go(st::broken);
        return {kind::close, {}};
      }
      return {};
    case st::pinging:
    case st::resetting:
      if (event == ev::ping_ok || event == ev::reset_ok) return after_idle(work_waiting);
      if (event == ev::ping_failed || event == ev::reset_failed) {
        go(st::broken);
        return {kind::close, {}};
      }
      return {};
    case st::broken:
      if (event == ev::closed) {
        go(st::backoff);
        return {kind::wait, now + backoff_.next()};
      }
      return {};
    case st::backoff:
      if (event == ev::backoff_elapsed) return start_connect(now);
      return {};
    default:
      return {};
  }
}

}  // namespace outpools::detail
