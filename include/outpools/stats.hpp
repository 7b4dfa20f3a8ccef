// outpools/stats.hpp — live numbers of a pool and of each of its workers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outpools/error.hpp"
#include "outpools/latency_histogram.hpp"

namespace outpools {

/// Number of outcome slots: index 0 is success, index N is outpools::errc value N.
inline constexpr std::size_t outcome_slots = static_cast<std::size_t>(errc::job_failed) + 1;

/// Calls counted by how they completed.
struct outcome_counts {
  std::array<std::uint64_t, outcome_slots> by_outcome{};  ///< [0] ok, [errc] that error

  std::uint64_t ok() const noexcept { return by_outcome[0]; }
  std::uint64_t of(errc e) const noexcept { return by_outcome[static_cast<std::size_t>(e)]; }
  /// Sum of every slot.
  std::uint64_t total() const noexcept;
  outcome_counts& operator+=(const outcome_counts& other) noexcept;
};

/// One worker's numbers at the time of reading.
struct worker_stats {
  std::uint32_t index = 0;
  std::string_view state;  ///< "connecting", "ready", "busy", "backoff", ... (static text)
  bool connected = false;  ///< ready, busy or pinging
  std::uint64_t queue_length =
      0;                         ///< requests waiting in the mailbox (the running one not counted)
  std::uint64_t in_flight = 0;   ///< 1 while a request runs, else 0
  outcome_counts calls;          ///< completed by this worker, by outcome
  latency_summary latency;       ///< call to completion, of the calls this worker completed
  std::uint64_t reconnects = 0;  ///< connection attempts after the first
  std::uint64_t connect_failures = 0;
  std::uint64_t drops = 0;        ///< pushed out of a full mailbox (also counted as `dropped`)
  std::uint64_t transitions = 0;  ///< state changes of the worker's life cycle
};

/// A pool's numbers: the sum of its workers, plus what the pool decides itself.
struct pool_stats {
  std::string name;  ///< "TYPE.TAG" or "TYPE.TAG@HOST"
  std::uint32_t workers = 0;
  std::uint32_t workers_connected = 0;
  std::uint64_t queue_length = 0;  ///< every mailbox plus the pool-wide queue (available_worker)
  std::uint64_t in_flight = 0;
  outcome_counts calls;     ///< every completed call, by outcome
  latency_summary latency;  ///< of calls completed by workers
  std::uint64_t reconnects = 0;
  std::uint64_t drops = 0;
  /// The most recent connection failure of any worker — a connect that failed, or a connection
  /// lost in a call or at a keepalive ping ("" if none): the driver's message, which never holds
  /// a secret.
  std::string last_connect_error;
  std::vector<worker_stats> per_worker;
};

}  // namespace outpools
