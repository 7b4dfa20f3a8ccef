#include "drivers/rdbms/odbc/odbc_session.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "drivers/rdbms/changed_columns.hpp"
#include "drivers/rdbms/message_lines.hpp"
#include "drivers/rdbms/odbc/odbc_connect_lock.hpp"
#include "drivers/rdbms/odbc/odbc_connection_string.hpp"
#include "drivers/rdbms/odbc/odbc_values.hpp"
#include "drivers/rdbms/parameter_count.hpp"
#include "drivers/rdbms/sqlite_statements.hpp"
#include "drivers/rdbms/statement_words.hpp"

namespace outpools::rdbms {
namespace {

struct diagnostic {
  std::string sqlstate = "HY000";
  std::string message;
  SQLINTEGER native = 0;  ///< the driver's own error number
};

// MariaDB Connector/C's CR_NEW_STMT_METADATA, which MariaDB's ODBC driver passes on: the
// server answered a prepared statement with other columns than it was prepared with.
constexpr SQLINTEGER mariadb_new_statement_metadata = 2057;

diagnostic first_diagnostic(SQLSMALLINT type, SQLHANDLE handle) {
  diagnostic d;
  SQLCHAR state[6] = {0};
  SQLINTEGER native = 0;
  SQLCHAR message[1024] = {0};
  SQLSMALLINT length = 0;
  if (handle != nullptr && SQL_SUCCEEDED(SQLGetDiagRec(type, handle, 1, state, &native, message,
                                                       sizeof message, &length))) {
    d.sqlstate.assign(reinterpret_cast<const char*>(state), 5);
    d.native = native;
    message[std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(length, 0)),
                                  sizeof message - 1)] = '\0';
    d.message = as_one_line(reinterpret_cast<const char*>(message));
  }
  if (d.message.empty()) d.message = "the ODBC driver reported an error without a message";
  return d;
}

// The connection's driver's file name (SQL_DRIVER_NAME: libsqlite3odbc.so, psqlodbcw.so,
// libmaodbc.so), lower-cased; "" when the driver does not say.
std::string driver_file_name(SQLHDBC dbc) {
  SQLCHAR name[256] = {0};
  SQLSMALLINT length = 0;
  if (!SQL_SUCCEEDED(SQLGetInfo(dbc, SQL_DRIVER_NAME, name, sizeof name, &length))) return {};
  std::string text(reinterpret_cast<const char*>(name));
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

call_result odbc_session::connect(const std::string& settings, std::chrono::milliseconds timeout) {
  release();
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_)))
    return call_result::failure(errc::disconnected, "SQLAllocHandle(ENV) failed");
  SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_)))
    return call_result::failure(errc::disconnected, "SQLAllocHandle(DBC) failed");
  const auto seconds = static_cast<SQLULEN>(std::max<long long>(1, (timeout.count() + 999) / 1000));
  SQLSetConnectAttr(dbc_, SQL_ATTR_LOGIN_TIMEOUT, reinterpret_cast<SQLPOINTER>(seconds), 0);
  std::string text = settings;  // SQLDriverConnect takes a non-const pointer
  // psqlODBC's connect is not thread-safe (setlocale, unless PGCLIENTENCODING is set): such
  // connects are made one at a time.
  // An attempt given up meanwhile (abandon()) leaves the queue rather than connect for nobody.
  std::unique_lock one_at_a_time(serialised_connect_mutex(), std::defer_lock);
  if (connect_is_serialised(settings)) {
    // Given up a little before connect_timeout, so that this reason, not the worker's own
    // "connect timed out", is what the attempt reports.
    const auto until =
        std::chrono::steady_clock::now() + timeout -
        std::min<std::chrono::milliseconds>(timeout / 10, std::chrono::milliseconds{100});
    while (!one_at_a_time.try_lock_for(std::chrono::milliseconds(10))) {
      if (abandoned_.load(std::memory_order_relaxed))
        return call_result::failure(errc::disconnected, "connection attempt given up");
      if (std::chrono::steady_clock::now() >= until)
        return call_result::failure(
            errc::disconnected,
            "ODBC connect not started within connect_timeout (" + std::to_string(timeout.count()) +
                " ms): another psqlODBC connect of this process has not returned (they are made "
                "one at a time, because psqlODBC's connect calls setlocale, which is not "
                "thread-safe; with PGCLIENTENCODING set in the environment it does not, and "
                "they run side by side)");
    }
    if (abandoned_.load(std::memory_order_relaxed))  // given up just as its turn came
      return call_result::failure(errc::disconnected, "connection attempt given up");
  }
  const SQLRETURN rc = SQLDriverConnect(dbc_, nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                                        static_cast<SQLSMALLINT>(text.size()), nullptr, 0, nullptr,
                                        SQL_DRIVER_NOPROMPT);
  if (one_at_a_time.owns_lock()) one_at_a_time.unlock();
  if (!SQL_SUCCEEDED(rc)) {
    const diagnostic d = first_diagnostic(SQL_HANDLE_DBC, dbc_);
    // The driver manager quotes parts of a malformed connection string back: never a password.
    return call_result::failure(errc::disconnected,
                                "ODBC connect failed: SQLSTATE " + d.sqlstate + ": " +
                                    redact_connection_secrets(d.message, settings));
  }
  connected_ = true;
  const std::string driver = driver_file_name(dbc_);
  driver_is_sqlite_ = driver.find("sqlite") != std::string::npos;
  driver_is_mariadb_ = driver.find("maodbc") != std::string::npos;
  prepare_is_local_ = driver.find("psqlodbc") != std::string::npos;
  sqlcancel_is_thread_safe_.store(!driver_is_sqlite_, std::memory_order_relaxed);
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &direct_)))
    return failure(SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)");
  return call_result::success();
}

query_result odbc_session::query(std::uint64_t run, const std::string& sql,
                                 std::span<const value> params, std::atomic<bool>& executed) {
  if (direct_ == SQL_NULL_HSTMT)
    return query_result(call_result::failure(errc::disconnected, "not connected"));
  if (std::optional<query_result> refused = refused_by_sqlite(sql)) return std::move(*refused);
  if (params.empty()) return this->run(run, direct_, false, sql, params, executed);
  // With values to bind, SQLPrepare and SQLExecute instead of SQLExecDirect, so that the
  // driver's own count of the text's markers is known before anything runs: every driver
  // here drops values beyond it without a word on SQLExecDirect.
  return prepare_and_run(run, sql, params, executed);
}

std::optional<query_result> odbc_session::refused_by_sqlite(const std::string& sql) const {
  if (!driver_is_sqlite_) return std::nullopt;
  const std::size_t statements = sqlite_statement_count(sql);
  if (statements <= 1) return std::nullopt;
  return query_result(
      call_result::failure(errc::invalid_argument,
                           "SQLite through ODBC runs one statement per call, and this text holds " +
                               std::to_string(statements) +
                               ": its driver would run them all and answer none of their results"));
}

query_result odbc_session::prepare_and_run(std::uint64_t run, const std::string& sql,
                                           std::span<const value> params,
                                           std::atomic<bool>& executed) {
  if (direct_ == SQL_NULL_HSTMT)
    return query_result(call_result::failure(errc::disconnected, "not connected"));
  std::string text = sql;
  if (!SQL_SUCCEEDED(SQLPrepare(direct_, reinterpret_cast<SQLCHAR*>(text.data()),
                                static_cast<SQLINTEGER>(text.size()))))
    return failure(SQL_HANDLE_STMT, direct_, "SQLPrepare");
  if (auto wrong = wrong_parameter_count(direct_, params.size())) {
    SQLFreeStmt(direct_, SQL_CLOSE);
    return std::move(*wrong);
  }
  // psqlODBC's SQLPrepare only reads the text; its SQLExecute of it then parses and describes
  // it on the server before running it, a round trip more than SQLExecDirect's (half the
  // calls per second), so the counted text is run as it would have been.
  return this->run(run, direct_, !prepare_is_local_, sql, params, executed);
}

query_result odbc_session::execute(std::uint64_t run, const std::string& name,
                                   const std::string& sql, std::span<const value> params,
                                   std::atomic<bool>& executed, bool in_transaction, bool retried) {
  if (dbc_ == SQL_NULL_HDBC || !connected_)
    return query_result(call_result::failure(errc::disconnected, "not connected"));
  // SQLite's driver keeps the columns a statement had when it was prepared (a SELECT * of a
  // table altered since answers without the new ones), and SQLite prepares in-process: a named
  // statement is prepared at each run there.
  if (driver_is_sqlite_) {
    if (std::optional<query_result> refused = refused_by_sqlite(sql)) return std::move(*refused);
    return prepare_and_run(run, sql, params, executed);
  }
  auto it = prepared_.find(name);
  if (it != prepared_.end() && it->second.sql != sql) {
    // The name was registered again with another text (another client of the pool): the old
    // statement is freed and the new one prepared in its place.
    SQLFreeHandle(SQL_HANDLE_STMT, it->second.handle);
    prepared_.erase(it);
    it = prepared_.end();
  }
  if (it == prepared_.end()) {
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt)))
      return failure(SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)");
    std::string text = sql;
    if (!SQL_SUCCEEDED(SQLPrepare(stmt, reinterpret_cast<SQLCHAR*>(text.data()),
                                  static_cast<SQLINTEGER>(text.size())))) {
      query_result r = failure(SQL_HANDLE_STMT, stmt, "SQLPrepare");
      SQLFreeHandle(SQL_HANDLE_STMT, stmt);
      return r;
    }
    it = prepared_.emplace(name, prepared_statement{stmt, sql}).first;
  }
  if (auto wrong = wrong_parameter_count(it->second.handle, params.size()))
    return std::move(*wrong);
  last_native_error_ = 0;
  query_result r = this->run(run, it->second.handle, true, sql, params, executed);
  if (r.ok()) return r;
  // A prepared statement that failed is prepared anew at its next run. MariaDB's driver leaves
  // the answer unread when it has other columns than the statement was prepared with (its
  // table altered since): while the handle lived, every later statement of the connection
  // failed ("Commands out of sync"); freeing it reads that answer. The server ran the
  // statement: one that only reads runs once more.
  SQLFreeHandle(SQL_HANDLE_STMT, it->second.handle);
  prepared_.erase(it);
  if (retried) return r;
  // PostgreSQL's "cached plan must not change result type": the server ran nothing; prepared
  // anew, it runs — but not in a transaction, which the failure ended.
  if (r.sqlstate == "0A000" && !in_transaction)
    return execute(run, name, sql, params, executed, in_transaction, true);
  if (last_native_error_ != mariadb_new_statement_metadata || !driver_is_mariadb_) return r;
  if (only_reads(sql)) return execute(run, name, sql, params, executed, in_transaction, true);
  return ran_with_changed_columns();
}

std::optional<query_result> odbc_session::wrong_parameter_count(SQLHSTMT stmt, std::size_t given) {
  // Drivers differ with a wrong count (they drop extra values): say it, as mysql does.
  SQLSMALLINT expected = 0;
  if (!SQL_SUCCEEDED(SQLNumParams(stmt, &expected)) || static_cast<std::size_t>(expected) == given)
    return std::nullopt;
  return query_result(call_result::failure(
      errc::invalid_argument,
      wrong_parameter_count_message(static_cast<std::size_t>(expected), given)));
}

query_result odbc_session::run(std::uint64_t run, SQLHSTMT stmt, bool prepared,
                               const std::string& sql, std::span<const value> params,
                               std::atomic<bool>& executed) {
  if (cancelled(run))
    return query_result(call_result::failure(errc::timeout, "cancelled before it was run"));
  odbc_params bound;
  if (!SQL_SUCCEEDED(bound.bind(stmt, params))) {
    query_result r = failure(SQL_HANDLE_STMT, stmt, "SQLBindParameter");
    SQLFreeStmt(stmt, SQL_RESET_PARAMS);
    return r;
  }
  std::string text = sql;
  const SQLRETURN rc = cancellable(run, stmt, [&] {
    return prepared ? SQLExecute(stmt)
                    : SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(text.data()),
                                    static_cast<SQLINTEGER>(text.size()));
  });
  query_result out;
  if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
    out = failure(SQL_HANDLE_STMT, stmt, prepared ? "SQLExecute" : "SQLExecDirect");
  } else {
    executed.store(true, std::memory_order_relaxed);
    // Several statements in one text: the last one's result, as PQexec (and the pgsql driver)
    // gives — but a last result with neither columns nor affected rows does not replace rows
    // before it: MariaDB's CALL ends with such a status result after the procedure's rows (as
    // the mysql driver, which gives the first result, returns them). Every result is read, and
    // an error in a later one is the call's (psqlODBC runs the text as one implicit
    // transaction: nothing of it was kept).
    for (bool first = true;; first = false) {
      if (!first) {
        const SQLRETURN more = cancellable(run, stmt, [stmt] { return SQLMoreResults(stmt); });
        if (more == SQL_NO_DATA) break;
        if (!SQL_SUCCEEDED(more)) {
          out = failure(SQL_HANDLE_STMT, stmt, "a later statement of the text");
          break;
        }
      }
      query_result current;
      SQLSMALLINT columns = 0;
      SQLRETURN step = SQLNumResultCols(stmt, &columns);
      if (SQL_SUCCEEDED(step) && columns > 0) {
        step = read_odbc_rows(stmt, columns, current, [this, run] { return cancelled(run); });
      } else if (SQL_SUCCEEDED(step)) {
        SQLLEN count = 0;
        if (SQL_SUCCEEDED(SQLRowCount(stmt, &count)) && count > 0)
          current.affected_rows = static_cast<std::uint64_t>(count);
      }
      const bool status_only = current.columns.empty() && current.affected_rows == 0;
      if (first || !status_only || out.columns.empty()) out = std::move(current);
      if (!SQL_SUCCEEDED(step)) {
        out = failure(SQL_HANDLE_STMT, stmt, "reading the result");
        break;
      }
      if (cancelled(run)) {  // the reading stopped: what was read is not the answer
        out = query_result(call_result::failure(
            errc::timeout, "cancelled while its rows were read; the rest was dropped"));
        break;
      }
    }
  }
  SQLFreeStmt(stmt, SQL_CLOSE);
  SQLFreeStmt(stmt, SQL_RESET_PARAMS);
  return out;
}

void odbc_session::mark_cancelled(std::uint64_t run) noexcept {
  std::uint64_t seen = cancelled_up_to_.load(std::memory_order_relaxed);
  while (seen < run && !cancelled_up_to_.compare_exchange_weak(seen, run, std::memory_order_release,
                                                               std::memory_order_relaxed)) {
  }
}

template <class Call>
SQLRETURN odbc_session::cancellable(std::uint64_t run, SQLHSTMT stmt, Call&& call) {
  {
    std::lock_guard lock(running_mutex_);
    running_ = stmt;
    running_run_ = run;
  }
  const SQLRETURN rc = std::forward<Call>(call)();
  std::lock_guard lock(running_mutex_);  // waits for an SQLCancel under way
  running_ = SQL_NULL_HSTMT;
  return rc;
}

void odbc_session::cancel_running(std::uint64_t run) noexcept {
  if (!sqlcancel_is_thread_safe()) return;
  std::lock_guard lock(running_mutex_);
  if (running_ != SQL_NULL_HSTMT && running_run_ == run) SQLCancel(running_);
}

bool odbc_session::connection_dead() noexcept {
  if (dbc_ == SQL_NULL_HDBC || !connected_) return true;
  SQLUINTEGER dead = SQL_CD_FALSE;
  if (!SQL_SUCCEEDED(SQLGetConnectAttr(dbc_, SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr)))
    return false;
  return dead == SQL_CD_TRUE;
}

query_result odbc_session::failure(SQLSMALLINT type, SQLHANDLE handle, const char* what) {
  const diagnostic d = first_diagnostic(type, handle);
  last_native_error_ = d.native;
  // MariaDB's "Commands out of sync" (2014): the connection is in a state no statement can run
  // in; it is replaced.
  const bool out_of_sync = driver_is_mariadb_ && d.native == 2014;
  if (d.sqlstate.starts_with("08") || out_of_sync || connection_dead()) {
    // Worded as a server error is (SQLSTATE first), so that its sqlstate and message read the
    // same way: `outpools call --json` gives both.
    query_result r(call_result::failure(
        errc::disconnected, "SQLSTATE " + d.sqlstate + ": " + d.message + " (in " + what + ")"));
    r.sqlstate = d.sqlstate;
    return r;
  }
  return server_error(d.sqlstate, d.message);
}

void odbc_session::release() noexcept {
  {
    std::lock_guard lock(running_mutex_);  // no SQLCancel on a handle being freed
    running_ = SQL_NULL_HSTMT;
    for (auto& [name, statement] : prepared_) SQLFreeHandle(SQL_HANDLE_STMT, statement.handle);
    prepared_.clear();
    if (direct_ != SQL_NULL_HSTMT) SQLFreeHandle(SQL_HANDLE_STMT, direct_);
    direct_ = SQL_NULL_HSTMT;
  }
  if (dbc_ != SQL_NULL_HDBC) {
    if (connected_) SQLDisconnect(dbc_);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    dbc_ = SQL_NULL_HDBC;
  }
  connected_ = false;
  if (env_ != SQL_NULL_HENV) {
    SQLFreeHandle(SQL_HANDLE_ENV, env_);
    env_ = SQL_NULL_HENV;
  }
}

}  // namespace outpools::rdbms
