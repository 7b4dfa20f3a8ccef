// pgsql_connection.hpp — one PostgreSQL connection on libpq's asynchronous API over Asio.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/rdbms/host_lookup.hpp"
#include "drivers/rdbms/pgsql/pgsql_values.hpp"
#include "drivers/rdbms/tcp_connect_bound.hpp"
#include "outpools/pool_spec.hpp"
#include "outpools/rdbms/connection.hpp"

namespace outpools::rdbms {

/// libpq keyword/value pairs for a pool spec (sslmode from tls.*: disable without TLS, require
/// with tls.required, verify-full with tls.verify_peer, else prefer).
std::vector<std::pair<std::string, std::string>> pgsql_connect_parameters(const pool_spec& spec);

/// A PostgreSQL connection. Every member runs on the worker's thread (see connection_driver).
/// The server's notices and warnings (RAISE NOTICE, "table does not exist, skipping", ...) go to
/// the statement's query_result::notices, at most max_notices of them, never to stderr.
class pgsql_connection final : public connection {
 public:
  pgsql_connection(const pool_spec& spec, boost::asio::io_context::executor_type executor);
  ~pgsql_connection() override;

  boost::asio::awaitable<call_result> connect() override;
  boost::asio::awaitable<call_result> ping() override;
  boost::asio::awaitable<call_result> reset() override;
  void close() noexcept override;
  void cancel() noexcept override;
  void abandon() noexcept override;
  boost::asio::awaitable<void> finish_cancels() override;
  bool is_fatal(const call_result& result) const noexcept override;
  std::optional<std::chrono::milliseconds> keepalive_interval() const noexcept override;
  std::optional<std::string> closed_while_idle() noexcept override;
  std::optional<std::chrono::milliseconds> idle_check_interval() const noexcept override {
    return idle_check_every;
  }

  /// The most cancel requests (PQcancel, one thread each) on their way at once in the process;
  /// past it, a statement to cancel gives its connection up instead.
  static constexpr int max_cancel_requests_in_flight = 16;

  /// The most notices one statement keeps (the rest are counted in a last one).
  static constexpr std::size_t max_notices = 100;

  boost::asio::awaitable<query_result> query(std::string_view sql,
                                             std::span<const value> params) override;
  boost::asio::awaitable<query_result> execute(std::string_view name, std::string_view sql,
                                               std::span<const value> params) override;
  bool in_transaction() const noexcept override;

 private:
  struct encoded_params;

  // Waits until the socket is readable (a peek: Asio tries it at once and, when nothing is there,
  // queues it without the epoll_ctl that a plain wait costs each time) or writable; an error once
  // cancel() or close() ran.
  boost::asio::awaitable<boost::system::error_code> wait(bool for_write);
  // One address of the host (or `host` as it is when `address` is empty), its TCP connect
  // bounded by `tcp_until`; `try_next` says whether the next address may be tried.
  boost::asio::awaitable<call_result> connect_to(const std::string& address,
                                                 std::chrono::steady_clock::time_point tcp_until,
                                                 bool& try_next);
  // PQconnectPoll on cpu_steps() (cpu_steps.hpp: a SCRAM proof or a TLS handshake computes
  // there, not on the I/O thread), for the steps once the TCP connection is up (the TCP bound
  // is disarmed then, and nothing else reads conn_ meanwhile); resumes on the executor. When
  // close() ran meanwhile it finishes the connection close() left to it and gives
  // PGRES_POLLING_FAILED, conn_ null.
  boost::asio::awaitable<PostgresPollingStatusType> connect_poll();
  // Points the descriptor at libpq's current socket (it may change while connecting).
  void track_socket();
  // Frees the notifications (LISTEN) libpq has read: nothing here serves them, and libpq would
  // keep every one.
  void drop_notifications() noexcept;
  // Runs the statement `name` (`sql`), preparing it first on this connection when it has not,
  // or had another text, other types of values, or went stale (DEALLOCATE, then PREPARE).
  // `markers` (markers_of(sql)) is kept with it. `reused` says whether it ran as prepared
  // before this call. Notices are left in notices_.
  boost::asio::awaitable<query_result> prepare_and_run(std::string_view name, std::string_view sql,
                                                       const pgsql_params& params,
                                                       std::size_t markers, bool& reused);
  // The highest `$n` of `sql` as this connection's server reads it (standard_conforming_strings).
  std::size_t markers_of(std::string_view sql) const;
  // The caller's mistakes, said before anything is sent: a text holding a NUL byte (libpq would
  // send what comes before it), a value that cannot be sent, values beyond `markers` (the text's
  // highest `$n`).
  std::optional<query_result> unsendable(std::string_view sql, const pgsql_params& params,
                                         std::size_t markers) const;
  // Flushes the sent query and collects every result of it.
  boost::asio::awaitable<query_result> collect();
  query_result lost(const std::string& what);
  // Marks the connection broken and ends the wait of the statement in progress (`disconnected`):
  // the worker replaces it.
  void give_up_connection() noexcept;
  // A PQsend* that returned 0: `invalid_argument` when libpq refused the statement and the
  // connection is unharmed, lost() when it is not.
  query_result not_sent(const std::string& what);
  // libpq's notice receiver: keeps the notice for the statement (or the idle check).
  static void on_notice(void* self, const PGresult* notice);
  // Hands the notices gathered since the statement was sent to its result.
  query_result with_notices(query_result r);

  std::vector<std::pair<std::string, std::string>> parameters_;
  std::string host_;  ///< resolved at each connect, without blocking
  std::uint16_t port_ = 0;
  std::shared_ptr<host_lookup> lookup_;  ///< set while resolving
  /// Bumped by close() (and so by every connect()): a connect given up while its host name was
  /// being resolved finds it changed and touches nothing.
  std::uint64_t connects_ = 0;
  std::optional<std::chrono::milliseconds> keepalive_;
  std::chrono::milliseconds connect_timeout_;  ///< bounds one attempt (the core cancels it then)
  std::chrono::milliseconds cancel_grace_;
  boost::asio::io_context::executor_type executor_;
  PGconn* conn_ = nullptr;
  /// A PQconnectPoll of conn_ runs on cpu_steps(): close() leaves the PQfinish to connect_poll().
  bool polling_off_thread_ = false;
  std::shared_ptr<PGcancel> canceller_;
  /// libpq's socket, watched (never read or written) through Asio; libpq owns the descriptor.
  std::optional<boost::asio::generic::stream_protocol::socket> socket_;
  char peek_byte_ = 0;                      ///< where a readiness peek copies its byte
  boost::asio::steady_timer cancel_timer_;  ///< gives the connection up if a cancel fails
  bool cancel_pending_ = false;             ///< a cancel was asked for the running statement
  tcp_connect_bound tcp_bound_;  ///< gives up a silent address of the host while connecting
  /// Set by the side thread once its PQcancel returned; null when no cancel is in flight.
  std::shared_ptr<std::atomic<bool>> cancel_done_;
  /// When the last cancel request's grace period ends (what finish_cancels waits until).
  std::chrono::steady_clock::time_point cancel_deadline_{};
  /// reset() is waiting for cancel_done_; a cancel() meanwhile (the worker's bound on the reset)
  /// sets reset_cancelled_, and the reset then fails instead of sending its ROLLBACK.
  bool reset_waiting_ = false, reset_cancelled_ = false;
  /// Handlers queued on the executor check it to know this connection still exists.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  bool broken_ = false;
  /// A statement prepared on this connection.
  struct prepared_statement {
    std::string text;
    /// The types PREPARE was given, one per value of the run that prepared it: 0 where the
    /// server inferred it (a text or a NULL). A run with a value of another type (a NULL fits
    /// any) prepares it again, so that it runs as query() would run it.
    std::vector<Oid> types;
    std::size_t markers = 0;  ///< the text's highest `$n` (markers_of), counted once
    /// Its cached plan's result changed (0A000, a table altered) in a transaction, when it
    /// could not be prepared again: it is, at its next run.
    bool stale = false;
  };
  std::map<std::string, prepared_statement, std::less<>> prepared_;  ///< by name
  std::vector<std::string> notices_;  ///< since the statement was sent
  std::size_t notices_dropped_ = 0;   ///< beyond max_notices
  bool fatal_notice_ = false;         ///< the server said FATAL/PANIC outside a statement
};

}  // namespace outpools::rdbms
