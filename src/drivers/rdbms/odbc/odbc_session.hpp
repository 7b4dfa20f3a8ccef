// odbc_session.hpp — the ODBC handles of one connection and the blocking calls on them.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// The environment, connection and statement handles of one ODBC connection. Every member but
/// mark_cancelled(), cancel_running() and abandon() blocks and must run on the connection's own
/// thread; those three may be called from any thread (that is SQLCancel's purpose).
///
/// Each statement run carries a number `run` from its connection, increasing from 1; a cancel
/// names the run it is meant for, so a late one never reaches the statement after it.
class odbc_session {
 public:
  odbc_session() = default;
  ~odbc_session() { release(); }
  odbc_session(const odbc_session&) = delete;
  odbc_session& operator=(const odbc_session&) = delete;

  /// SQLDriverConnect with `settings` (a connection string: a secret, never put in a message),
  /// SQL_ATTR_LOGIN_TIMEOUT from `timeout`. Fails with `disconnected` and the driver's
  /// SQLSTATE and message.
  call_result connect(const std::string& settings, std::chrono::milliseconds timeout);
  /// SQLExecDirect of `sql` as run number `run` — or, with `params`, SQLPrepare and SQLExecute
  /// with them bound to its `?` markers, answering `invalid_argument` without running anything
  /// if the driver counts another number of markers; sets
  /// `executed` once the statement has executed successfully (whatever the reading of its rows
  /// gives then), so the caller can track the transaction it began or ended even when the run
  /// was cancelled. A run cancelled while its rows were read answers `timeout`; one cancelled
  /// before it started answers `timeout` and is not run; one whose execution SQLCancel stopped
  /// answers what the driver said (HY008: server_error).
  query_result query(std::uint64_t run, const std::string& sql, std::span<const value> params,
                     std::atomic<bool>& executed);
  /// SQLPrepare of `sql` once under `name` (a statement handle kept per name), then SQLExecute,
  /// as run number `run`; `executed` and the answers as for query(); with SQLite's driver, as
  /// query() (prepared at each run). A run that fails frees the handle (prepared again at the
  /// next run), and unless `retried` runs once more when it failed with 0A000 outside a
  /// transaction (`in_transaction`: PostgreSQL's "cached plan must not change result type", its
  /// table altered since), or, with MariaDB's driver, when it was answered with other columns
  /// than it was prepared with and only reads (only_reads()); a statement that does more
  /// answers `protocol_error` then.
  query_result execute(std::uint64_t run, const std::string& name, const std::string& sql,
                       std::span<const value> params, std::atomic<bool>& executed,
                       bool in_transaction, bool retried = false);
  /// Marks run `run` (and every earlier one) cancelled: if it has not started it is not run,
  /// if its rows are being read that stops; either way it answers `timeout`. Thread-safe, does
  /// not block.
  void mark_cancelled(std::uint64_t run) noexcept;
  /// SQLCancel on the statement of run `run`, if it is inside SQLExecDirect, SQLExecute or
  /// SQLMoreResults now — never between those calls, where drivers take SQLCancel for
  /// SQLFreeStmt(SQL_CLOSE) and free the cursor under the fetching thread — and if the driver's
  /// SQLCancel may run beside its other calls (not SQLite's: see sqlcancel_is_thread_safe()).
  /// Thread-safe; blocks while the driver sends the request (psqlODBC opens a connection for
  /// it), and the statement's thread waits for it before its next ODBC call on the statement.
  void cancel_running(std::uint64_t run) noexcept;
  /// Whether SQLCancel of this connection's driver may be called from another thread while a
  /// statement executes: false for SQLite's driver, whose SQLCancel calls sqlite3_interrupt and
  /// then frees the statement's cursor itself, under the executing thread. Known once connected
  /// (false before). Thread-safe.
  bool sqlcancel_is_thread_safe() const noexcept {
    return sqlcancel_is_thread_safe_.load(std::memory_order_relaxed);
  }
  /// Frees every handle (disconnecting first). Safe to call more than once.
  void release() noexcept;
  /// Marks a connect as given up by its connection: if it still waits for its turn (see
  /// connect_is_serialised), it stops waiting and fails. Thread-safe.
  void abandon() noexcept { abandoned_.store(true, std::memory_order_relaxed); }

 private:
  // An `invalid_argument` answer if the driver counts other than `given` markers in the
  // prepared `stmt`; nothing if the count matches or the driver cannot tell.
  std::optional<query_result> wrong_parameter_count(SQLHSTMT stmt, std::size_t given);
  // With SQLite's driver, an `invalid_argument` answer for a text of several statements
  // (sqlite_statements.hpp: it would run them all and answer none); nothing otherwise.
  std::optional<query_result> refused_by_sqlite(const std::string& sql) const;
  // SQLPrepare of `sql` on the statement handle of query(), the count of its markers checked
  // against `params` (invalid_argument, nothing run, when they differ), then run() — as
  // SQLExecDirect, where the driver's SQLPrepare sends nothing (psqlODBC's).
  query_result prepare_and_run(std::uint64_t run, const std::string& sql,
                               std::span<const value> params, std::atomic<bool>& executed);
  // Run number `run`: binds `params`, executes `stmt` (SQLExecute when `prepared`, else
  // SQLExecDirect of `sql`) and reads its results, with `stmt` cancellable (cancel_running) from
  // its execution and in each SQLMoreResults; `executed` and the answers as for query().
  query_result run(std::uint64_t run, SQLHSTMT stmt, bool prepared, const std::string& sql,
                   std::span<const value> params, std::atomic<bool>& executed);
  // `call()` (an SQLExecDirect, SQLExecute or SQLMoreResults of `stmt`, run `run`) with `stmt`
  // open to cancel_running() while it runs; returns its result once no SQLCancel is under way.
  template <class Call>
  SQLRETURN cancellable(std::uint64_t run, SQLHSTMT stmt, Call&& call);
  bool cancelled(std::uint64_t run) const noexcept {
    return cancelled_up_to_.load(std::memory_order_acquire) >= run;
  }
  // The first diagnostic record of `handle` as a result: `disconnected` for SQLSTATE class 08,
  // MariaDB's "Commands out of sync" or a dead connection, else `server_error`; keeps its
  // native error number in last_native_error_.
  query_result failure(SQLSMALLINT type, SQLHANDLE handle, const char* what);
  bool connection_dead() noexcept;

  SQLHENV env_ = SQL_NULL_HENV;
  SQLHDBC dbc_ = SQL_NULL_HDBC;
  bool connected_ = false;
  SQLHSTMT direct_ = SQL_NULL_HSTMT;
  struct prepared_statement {
    SQLHSTMT handle = SQL_NULL_HSTMT;
    std::string sql;  ///< the text it was prepared with
  };
  std::map<std::string, prepared_statement, std::less<>> prepared_;
  std::atomic<bool> abandoned_{false};
  std::atomic<std::uint64_t> cancelled_up_to_{0};      ///< the highest run marked cancelled
  std::atomic<bool> sqlcancel_is_thread_safe_{false};  ///< see sqlcancel_is_thread_safe()
  bool prepare_is_local_ = false;      ///< the driver's SQLPrepare sends nothing (psqlODBC's)
  bool driver_is_mariadb_ = false;     ///< MariaDB's driver (libmaodbc)
  bool driver_is_sqlite_ = false;      ///< SQLite's driver (libsqlite3odbc)
  SQLINTEGER last_native_error_ = 0;   ///< the driver's number of the last failure()
  std::mutex running_mutex_;           ///< guards running_, running_run_; held through SQLCancel
  SQLHSTMT running_ = SQL_NULL_HSTMT;  ///< the statement inside a cancellable call
  std::uint64_t running_run_ = 0;      ///< its run
};

}  // namespace outpools::rdbms
