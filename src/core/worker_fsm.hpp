// worker_fsm.hpp — a worker's connection life cycle as a pure state machine (no I/O, no clock).
//
//   initial ──start──▶ connecting ──connected──▶ ready ⇄ busy (work_queued / request_done)
//                        │    ▲                    │ ▲      │
//           connect_failed    backoff_elapsed      │ ping_ok│ request_fatal
//                        ▼    │                    ▼ │      ▼
//                      broken ─closed─▶ backoff   pinging ─ping_failed─▶ broken
//   ready ──idle_connection_lost──▶ broken (the server closed the idle connection)
//   busy ──request_done{needs_reset}──▶ resetting ──reset_ok──▶ ready/busy (reset_failed: broken)
//   any ──stop──▶ stopping ──(outstanding operation done, then closed)──▶ stopped
//
// The glue (worker.cpp) feeds events in and performs the returned action. Time enters only as
// `now` arguments, so tests drive it with a fake clock.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/backoff.hpp"

namespace outpools::detail {

enum class worker_state : std::uint8_t {
  initial,     ///< created, not started
  connecting,  ///< a connect is in progress (bounded by connect_timeout)
  ready,       ///< connected and idle: the mailbox is empty
  busy,        ///< a request is running
  pinging,     ///< keepalive ping in progress (idle otherwise)
  resetting,   ///< cleaning the connection after a request answered `timeout` before it finished
  broken,      ///< connection failed; closing it
  backoff,     ///< waiting before the next connect
  stopping,    ///< stop requested; waiting for the outstanding operation, then closing
  stopped,     ///< closed for good
};
inline constexpr std::size_t worker_state_count = 10;
std::string_view to_string(worker_state s) noexcept;

enum class worker_event : std::uint8_t {
  start,
  connected,
  connect_failed,       ///< error or connect_timeout
  work_queued,          ///< a request waits in the mailbox
  request_done,         ///< the running request finished, the connection is still good
  request_fatal,        ///< it finished with an error that breaks the connection
  request_needs_reset,  ///< it finished after being answered `timeout`, or left its connection
                        ///< dirty (driver needs_reset()): reset the connection
  keepalive_due,
  ping_ok,
  ping_failed,
  reset_ok,
  reset_failed,
  idle_connection_lost,  ///< the driver saw the server close the idle connection
  closed,                ///< the close action finished
  backoff_elapsed,
  stop,
};

/// What the glue must do next.
struct worker_action {
  enum class kind : std::uint8_t {
    none,
    connect,      ///< start a connect; give up at `until`
    run_request,  ///< take the oldest request of the mailbox and run it
    ping,
    reset,
    close,     ///< close the connection, then feed `closed`
    wait,      ///< wait until `until`, then feed `backoff_elapsed`
    cancel,    ///< ask the outstanding operation to finish (stop); its completion follows
    finished,  ///< the worker has stopped: nothing will happen any more
  };
  kind what = kind::none;
  std::chrono::steady_clock::time_point until{};

  friend bool operator==(const worker_action&, const worker_action&) = default;
};

/// Settings of the life cycle, from the pool spec.
struct worker_fsm_settings {
  std::optional<std::chrono::milliseconds> connect_timeout;  ///< nullopt: no limit
  std::chrono::milliseconds backoff_min{100}, backoff_max{10000};
  std::uint64_t seed = 1;  ///< jitter of the backoff
};

/// Not thread-safe: one per worker, used on the worker's thread. Every state change is counted.
class worker_fsm {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit worker_fsm(const worker_fsm_settings& settings) noexcept;

  /// Feeds `event` at time `now`; `work_waiting` tells whether the mailbox holds a request.
  /// Events that do not apply in the current state are ignored (action none).
  worker_action resume(worker_event event, time_point now, bool work_waiting) noexcept;

  worker_state state() const noexcept { return state_; }
  /// Connected: ready, busy, pinging or resetting.
  bool connected() const noexcept;
  /// Down: the last connect attempt failed, and none succeeded since. (A connection that broke
  /// is not down until its reconnect fails: calls wait for it within their call_timeout.)
  bool down() const noexcept { return down_; }
  /// Total state changes, and changes from `from` to `to`.
  std::uint64_t transitions() const noexcept { return total_transitions_; }
  std::uint64_t transitions(worker_state from, worker_state to) const noexcept {
    return counts_[index(from)][index(to)];
  }
  /// Connect attempts after the first, and failed attempts.
  std::uint64_t reconnects() const noexcept { return reconnects_; }
  std::uint64_t connect_failures() const noexcept { return connect_failures_; }
  /// The backoff's current failure streak (tests).
  const detail::backoff& backoff_policy() const noexcept { return backoff_; }

 private:
  static std::size_t index(worker_state s) noexcept { return static_cast<std::size_t>(s); }
  void go(worker_state next) noexcept;
  worker_action start_connect(time_point now) noexcept;
  worker_action after_idle(bool work_waiting) noexcept;

  worker_fsm_settings settings_;
  detail::backoff backoff_;
  worker_state state_ = worker_state::initial;
  bool down_ = false;
  bool operation_outstanding_ = false;  ///< in stopping: a connect/request/ping/reset still runs
  bool closing_ = false;                ///< in stopping: close action issued
  std::uint64_t connects_ = 0, reconnects_ = 0, connect_failures_ = 0;
  std::uint64_t total_transitions_ = 0;
  std::array<std::array<std::uint64_t, worker_state_count>, worker_state_count> counts_{};
};

}  // namespace outpools::detail
