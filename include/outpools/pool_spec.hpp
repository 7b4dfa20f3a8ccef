// outpools/pool_spec.hpp — one pool instance, as the configuration describes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "outpools/connection_options.hpp"
#include "outpools/tls_options.hpp"

namespace boost::json {
class object;
}

namespace outpools {

enum class pool_type { cassandra, riak, redis, http, elastic, rdbms, rabbit, ldap, generic };

/// "rdbms", "redis", ... Thread-safe.
std::string_view to_string(pool_type t) noexcept;
/// The type named `name`, or nullopt. Thread-safe.
std::optional<pool_type> parse_pool_type(std::string_view name) noexcept;

enum class pool_scope { global, host, single_host };
std::string_view to_string(pool_scope s) noexcept;

/// How a pool picks the worker for a request (worker_pool's strategies, plus hash_worker).
enum class worker_strategy {
  best_worker,            ///< fewest requests, the one in progress counted; connected first
  random_worker,          ///< uniformly random
  next_worker,            ///< round robin
  available_worker,       ///< one pool-wide FIFO; the first idle worker takes the oldest
  next_available_worker,  ///< next idle worker round robin; none idle: no_available_workers
  hash_worker,            ///< [ext] the worker chosen by a key's hash (affinity)
};
std::string_view to_string(worker_strategy s) noexcept;
std::optional<worker_strategy> parse_worker_strategy(std::string_view name) noexcept;

/// One pool instance after scope expansion: a `scope = "host"` pool yields one spec per entry of
/// general.hosts. Immutable once loaded; safe to read from any thread.
struct pool_spec {
  pool_type type = pool_type::generic;
  std::string tag;
  /// The XMPP host this instance serves; nullopt for a global pool.
  std::optional<std::string> host;
  pool_scope scope = pool_scope::global;
  worker_strategy strategy = worker_strategy::best_worker;
  std::uint32_t workers = 100;
  /// How long a call may take from the caller's side; nullopt: no limit (elastic).
  std::optional<std::chrono::milliseconds> call_timeout = std::chrono::milliseconds{5000};
  /// One connection attempt (resolution and TLS included); nullopt for generic pools.
  std::optional<std::chrono::milliseconds> connect_timeout = std::chrono::milliseconds{5000};
  /// Reconnect wait doubles from min to max, with jitter (ldap: both are connect_interval).
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{10000};
  /// Most requests that may wait in one worker's mailbox (the running one not counted);
  /// nullopt: unbounded. Only rabbit configures it (max_worker_queue_len).
  std::optional<std::size_t> max_worker_queue_len;
  connection_options connection;
  /// TLS settings when TLS is on for this pool, else nullopt.
  std::optional<tls_options> tls;
  /// The `connection` and `connection.tls` options by their TOML names, defaults applied, unset
  /// ones null and every secret "***": what `outpools show` prints. Null in a spec built by hand.
  std::shared_ptr<const boost::json::object> connection_document;
  std::shared_ptr<const boost::json::object> tls_document;  ///< null when TLS is off
  /// Where the pool's table is in the configuration (for messages).
  std::string source_file;
  std::uint32_t source_line = 0;

  /// "TYPE.TAG" for a global pool, "TYPE.TAG@HOST" for a host-scoped instance.
  std::string name() const;
};

}  // namespace outpools
