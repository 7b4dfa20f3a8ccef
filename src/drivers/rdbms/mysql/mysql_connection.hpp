// mysql_connection.hpp — one MariaDB/MySQL connection on Connector/C's non-blocking API over Asio.
#pragma once

#include <mysql.h>

#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/rdbms/host_lookup.hpp"
#include "drivers/rdbms/mysql/mysql_settings.hpp"
#include "drivers/rdbms/mysql/mysql_side_connect.hpp"
#include "drivers/rdbms/tcp_connect_bound.hpp"
#include "outpools/pool_spec.hpp"
#include "outpools/rdbms/connection.hpp"

namespace outpools::rdbms {

/// A MariaDB/MySQL connection. Every member runs on the worker's thread (see connection_driver).
///
/// Each libmariadb call is a `_start`/`_cont` pair: the connection waits on the library's socket
/// (an Asio descriptor that never owns it) for the events the call asks for, then continues it.
/// query() with parameters interpolates them client-side (mysql_real_escape_string; text is
/// sent quoted, so the server infers its type): one round trip, as the text protocol without
/// parameters. execute() uses server-side prepared statements (one MYSQL_STMT per name and
/// connection, binary protocol).
///
/// Errors: a server error → `server_error` with mysql_sqlstate and mysql_error; a lost
/// connection (2006, 2013, a killed connection, ...) → `disconnected`. cancel() of a running
/// statement sends `KILL QUERY <thread id>` from a side connection on a detached thread; if the
/// statement has not ended after the grace period (connect_timeout), the connection is given up.
class mysql_connection final : public connection {
 public:
  mysql_connection(const pool_spec& spec, boost::asio::io_context::executor_type executor);
  ~mysql_connection() override;

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

  boost::asio::awaitable<query_result> query(std::string_view sql,
                                             std::span<const value> params) override;
  boost::asio::awaitable<query_result> execute(std::string_view name, std::string_view sql,
                                               std::span<const value> params) override;
  bool in_transaction() const noexcept override;

 private:
  struct statement {
    MYSQL_STMT* handle = nullptr;
    bool prepared = false;
    std::string sql;  ///< the text it was prepared with
  };

  // Where connect() points Connector/C: the host itself when it is an address (or a socket
  // path), else its addresses, resolved here asynchronously — Connector/C's own lookup blocks
  // the thread, and with it every worker on it. With tls.verify_peer the name itself, since
  // Connector/C checks the certificate against the host it is given. Empty with `why` set when
  // the lookup failed or the attempt was given up meanwhile.
  boost::asio::awaitable<std::vector<std::string>> targets(std::string& why);
  // One handshake with `host` (the settings' other values), its TCP connect given up at
  // `tcp_until` (tcp_connect_bound.hpp); on failure the connection is closed. A name is left to
  // connect_on_side_thread.
  boost::asio::awaitable<call_result> connect_to(const std::string& host,
                                                 std::chrono::steady_clock::time_point tcp_until);
  // The handshake with a host name on a thread of its own (mysql_side_connect), where
  // Connector/C's blocking lookup of the name stops no worker; polled (poll_until.hpp).
  boost::asio::awaitable<call_result> connect_on_side_thread(const std::string& host);
  // After a handshake with `host`: the connection kept (connected) or closed, with the error.
  call_result finish_connect(const std::string& host, bool connected);
  // "mysql connect to NAME (ADDRESS):PORT" (without the address when `host` is the name): how
  // a connect's errors begin.
  std::string connect_target(const std::string& host) const;

  // Runs one non-blocking call: `start()` then `cont(events)` until it returns 0. False when
  // the wait was cancelled or the connection closed meanwhile (the call is then unfinished and
  // the connection broken).
  template <typename Start, typename Cont>
  boost::asio::awaitable<bool> drive(Start start, Cont cont);
  // The rest of drive() for a call already started, whose start returned `status` (not 0):
  // used where the start usually finishes at once (a row already received), so that no
  // coroutine is entered then. Leaves in_progress_ to the caller.
  template <typename Cont>
  boost::asio::awaitable<bool> drive_from(int status, Cont cont);
  // Waits for the events in `status`; returns those that happened, 0 when cancelled.
  boost::asio::awaitable<int> wait_for(int status);
  // Points the descriptor at the library's current socket.
  void track_socket();
  // Reads every result of the query just sent.
  boost::asio::awaitable<query_result> collect(std::uint64_t generation);
  // Closes `handle`, already taken out of statements_ (COM_STMT_CLOSE). False when the
  // connection was lost meanwhile.
  boost::asio::awaitable<bool> close_statement(MYSQL_STMT* handle);
  // execute() without its second run: `columns_changed` is set when the server answered with
  // other columns than the statement was prepared with (its table altered since), which
  // Connector/C refuses to read (CR_NEW_STMT_METADATA) — the statement is then closed (the
  // answer read and dropped) and forgotten.
  boost::asio::awaitable<query_result> execute_once(std::string_view name, std::string_view sql,
                                                    std::span<const value> params,
                                                    bool& columns_changed);
  boost::asio::awaitable<query_result> run_statement(statement& s, std::span<const value> params,
                                                     std::uint64_t generation);
  // Reads the rows of `handle`'s current result (described by `metadata`) into `out` when
  // `keep`, else reads and drops them; one library call per row, the thread's other handlers run
  // between slices. nullopt once every row is read and the result freed; else the call's
  // answer: `protocol_error` when a row could not be read (the connection then broken), a
  // server error, a lost connection, or `timeout` when cancelled (`out` then freed after the
  // queued handlers).
  boost::asio::awaitable<std::optional<query_result>> read_statement_result(
      MYSQL_STMT* handle, std::uint64_t generation, MYSQL_RES* metadata, query_result& out,
      bool keep);
  // Reads and drops the results after a statement's first (a CALL's); an error, or nullopt.
  // Breaks the connection and ends the wait in progress (`disconnected`): a statement that
  // did not stop after its KILL QUERY, or an abandoned ping.
  void give_up_connection() noexcept;
  boost::asio::awaitable<std::optional<query_result>> skip_more_results(MYSQL_STMT* handle,
                                                                        std::uint64_t generation);
  // Waits (bounded by the grace period) until a KILL QUERY sent by cancel() has been answered:
  // true once it was (or none was sent), false when the grace period ran out first (reset() then
  // gives the connection up) or the wait was given up (broken, or the reset cancelled).
  boost::asio::awaitable<bool> await_kill();
  // At a slice boundary of a result being read: lets the thread's other handlers run, then
  // the call's answer when it must stop there (the connection closed meanwhile; or cancelled,
  // `out` then freed after the queued handlers), nullopt to go on.
  boost::asio::awaitable<std::optional<query_result>> after_slice(std::uint64_t generation,
                                                                  query_result& out);
  // The answer to a call cancelled while its rows were read: `timeout`, and the connection is
  // given up (the rest of the result would have to be read first).
  query_result cancelled_while_reading();
  // Frees streaming_, the socket shut first when rows may be left unread (mysql_free_result
  // would read them).
  void release_streaming() noexcept;
  // The error the library holds for the connection or for `stmt`.
  query_result failure(MYSQL_STMT* stmt = nullptr);
  // `disconnected`, the connection marked broken (unless it was closed and replaced since).
  query_result lost(std::uint64_t generation, const std::string& what);
  bool usable() const noexcept { return conn_ != nullptr && connected_ && !broken_; }

  std::shared_ptr<const mysql_settings> settings_;
  std::optional<std::chrono::milliseconds> keepalive_;
  std::chrono::milliseconds cancel_grace_;
  boost::asio::io_context::executor_type executor_;
  MYSQL* conn_ = nullptr;
  bool connected_ = false;    ///< the handshake finished
  bool broken_ = false;       ///< unusable: cancelled mid-call or lost; close and reconnect
  bool in_progress_ = false;  ///< a non-blocking call is unfinished
  bool connecting_ = false;   ///< that call is mysql_real_connect (close() ends it first)
  int pending_status_ = 0;    ///< what the unfinished call last asked to wait for
  /// cancel() was asked during the current query()/execute() (reset at their start): a result
  /// being converted stops there.
  bool call_cancelled_ = false;
  /// The unbuffered result being read (mysql_use_result), freed before the connection is.
  MYSQL_RES* streaming_ = nullptr;
  std::uint64_t generation_ = 0;  ///< bumped by close(); a stale coroutine leaves conn_ alone
  std::shared_ptr<host_lookup> lookup_;               ///< set while resolving
  std::shared_ptr<mysql_side_connect> side_connect_;  ///< set while connecting on a side thread
  /// Counts the addresses of the name for side_connect_ (mysql_side_connect::set_addresses).
  std::shared_ptr<host_lookup> count_lookup_;
  /// When the connect under way is given up (connect_timeout after it began).
  std::chrono::steady_clock::time_point attempt_deadline_{};
  unsigned int connect_errno_ = 0;  ///< Connector/C's error number of the last failed handshake
  /// The host given to Connector/C (an address, or the name): KILL QUERY goes there too.
  std::string connected_to_;
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  boost::asio::steady_timer wait_timer_;    ///< MYSQL_WAIT_TIMEOUT, and polling in await_kill
  boost::asio::steady_timer cancel_timer_;  ///< grace period after KILL QUERY
  tcp_connect_bound tcp_bound_;     ///< gives up a silent address of the host while connecting
  bool connect_cancelled_ = false;  ///< cancel() gave the connect under way up
  /// Set by the side thread when its KILL QUERY ended: 1 answered or never sent (the next
  /// statement is safe from it), 2 sent but unanswered (it is not); 0 until then.
  std::shared_ptr<std::atomic<int>> kill_done_;
  /// When the last KILL's side connection must have ended (what finish_cancels waits until).
  std::chrono::steady_clock::time_point kill_deadline_{};
  /// reset() is waiting for kill_done_; a cancel() meanwhile (the worker's bound on the reset)
  /// sets reset_cancelled_, and the reset then fails instead of sending its ROLLBACK.
  bool reset_waiting_ = false, reset_cancelled_ = false;
  std::map<std::string, statement, std::less<>> statements_;
};

}  // namespace outpools::rdbms
