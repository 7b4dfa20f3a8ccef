// outpools/driver.hpp — the small interface through which the core knows a connection.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "outpools/call_result.hpp"
#include "outpools/pool_spec.hpp"

namespace outpools {

/// One connection of one worker. The core calls every member on the worker's thread only, and
/// never starts an operation while another of this connection's operations is in progress
/// (requests run between operations; a request may use the driver directly).
class connection_driver {
 public:
  virtual ~connection_driver() = default;

  /// Opens the connection (resolution and TLS included). The core bounds it by the pool's
  /// connect_timeout: at the deadline it calls cancel() and counts the attempt failed. A failure's
  /// diagnostics become the pool's "last connect error".
  virtual boost::asio::awaitable<call_result> connect() = 0;
  /// Checks that an idle connection is alive (e.g. `SELECT 1`); an error breaks the connection.
  /// Called every keepalive_interval() while the worker is idle.
  virtual boost::asio::awaitable<call_result> ping() { co_return call_result::success(); }
  /// Brings the connection back to a clean state after a request that was answered `timeout`
  /// before it finished (rollback, drain a pending reply, ...). An error breaks the connection.
  virtual boost::asio::awaitable<call_result> reset() { co_return call_result::success(); }
  /// True when a request left the connection in a state the next one must not inherit (an rdbms
  /// transaction still open); the core then runs reset() before the next request. Asked after
  /// each request that completed normally. Default: false.
  virtual bool needs_reset() const noexcept { return false; }
  /// Releases the connection. Must not fail; may be called in any state, more than once.
  virtual void close() noexcept {}
  /// Asks the operation in progress (a connect, a ping, or a request that timed out) to finish
  /// early: libpq's PQcancel, closing an HTTP connection, ... Best effort; never blocks.
  virtual void cancel() noexcept {}
  /// Asks the operation in progress (a keepalive ping or a reset past call_timeout) to finish
  /// at once with a failure: its connection is replaced whatever comes, so nothing of it needs
  /// to survive and no cancel request need land first — only nothing may reach a later
  /// statement. pgsql and mysql end the wait and break the connection (a hung server's
  /// connection was given up only after cancel()'s grace period, connect_timeout). Default:
  /// cancel(). Best effort; never blocks.
  virtual void abandon() noexcept { cancel(); }
  /// Waits until the cancel requests this connection sent (cancel()) have reached the server,
  /// at most until the driver's grace period for them ends, counted from when the request was
  /// sent (the rdbms drivers: connect_timeout; mysql: its KILL connection's own bound): called
  /// once when the pool stops, before close(), so that the stop — and the process's exit after
  /// it — does not cut a request short on its side thread and leave its statement running on
  /// the server. Default: returns at once. Must not throw.
  virtual boost::asio::awaitable<void> finish_cancels() { co_return; }
  /// True when a request that failed with `result` leaves the connection unusable (it is then
  /// closed and reconnected with backoff). Default: disconnected, protocol and TLS errors.
  virtual bool is_fatal(const call_result& result) const noexcept;
  /// How often to ping an idle connection; nullopt (the default): never.
  virtual std::optional<std::chrono::milliseconds> keepalive_interval() const noexcept {
    return std::nullopt;
  }
  /// Looks, without blocking and without sending anything (a peek at the socket), whether the
  /// server has closed this idle connection or ended it with a message of its own (a database
  /// shutting down or terminating the session). Returns why, or nullopt while it looks alive
  /// (and when the driver cannot tell: the default). The core asks every
  /// idle_check_interval() while the worker is idle, keepalive or not, and on an answer closes
  /// the connection and reconnects with backoff: so a restarted server's pool heals before the
  /// next call, and the status says so, without a statement sent.
  virtual std::optional<std::string> closed_while_idle() noexcept { return std::nullopt; }
  /// How often to ask closed_while_idle(); nullopt (the default): never (the driver cannot tell).
  virtual std::optional<std::chrono::milliseconds> idle_check_interval() const noexcept {
    return std::nullopt;
  }
};

/// Makes the driver of worker `worker` (0-based) of the pool `spec`, whose operations run on
/// `executor`. Called on the pool's creating thread. Must not return null.
using driver_factory = std::function<std::unique_ptr<connection_driver>(
    const pool_spec& spec, std::uint32_t worker, boost::asio::io_context::executor_type executor)>;

/// The driver of generic pools: connect always succeeds at once; no keepalive.
driver_factory generic_driver_factory();

}  // namespace outpools
