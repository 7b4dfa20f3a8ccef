// odbc_connection.hpp — one ODBC connection (unixODBC), its blocking calls on a thread of its own.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "drivers/rdbms/odbc/odbc_session.hpp"
#include "drivers/rdbms/odbc/odbc_thread.hpp"
#include "outpools/pool_spec.hpp"
#include "outpools/rdbms/connection.hpp"

namespace outpools::rdbms {

/// An ODBC connection. Every member runs on the worker's thread (see connection_driver); each
/// blocking ODBC call runs on the connection's own thread (odbc_thread), and the awaitable
/// resumes on the worker's executor when it returns.
///
/// query() binds parameters to `?` and calls SQLExecDirect; execute() prepares once per name
/// (a statement handle kept per name) and calls SQLExecute. Errors come from SQLGetDiagRec:
/// SQLSTATE class 08 or a dead connection → `disconnected`, else `server_error`. BEGIN, COMMIT
/// and ROLLBACK are sent as SQL text (the connection stays in autocommit mode) and tracked by
/// in_transaction(). cancel() of a running statement calls SQLCancel from a side thread; if the
/// call has not returned after the grace period (connect_timeout), the connection gives it up,
/// leaves the stuck thread to finish on its own, and reconnects on a new thread.
class odbc_connection final : public connection {
 public:
  /// The most SQLCancel side threads alive at once in the process; past it, a statement to
  /// cancel is given up after the grace period without one.
  static constexpr int max_side_cancels_in_flight = 16;
  /// How many SQLCancel side threads are alive in the process now. Thread-safe.
  static int side_cancels_in_flight() noexcept;

  odbc_connection(const pool_spec& spec, boost::asio::io_context::executor_type executor);
  ~odbc_connection() override;

  boost::asio::awaitable<call_result> connect() override;
  boost::asio::awaitable<call_result> ping() override;
  boost::asio::awaitable<call_result> reset() override;
  void close() noexcept override;
  void cancel() noexcept override;
  boost::asio::awaitable<void> finish_cancels() override;
  bool is_fatal(const call_result& result) const noexcept override;
  std::optional<std::chrono::milliseconds> keepalive_interval() const noexcept override;

  boost::asio::awaitable<query_result> query(std::string_view sql,
                                             std::span<const value> params) override;
  boost::asio::awaitable<query_result> execute(std::string_view name, std::string_view sql,
                                               std::span<const value> params) override;
  bool in_transaction() const noexcept override { return in_transaction_; }

 private:
  /// One call handed to the ODBC thread; completed once, by its result or by giving up.
  struct pending;
  /// Lets the ODBC thread post back only while the connection (and its io_context) lives.
  struct link {
    std::mutex mutex;
    bool alive = true;
  };

  // Runs `fn` on the ODBC thread; its result, or `disconnected` when given up.
  boost::asio::awaitable<query_result> offload(std::function<query_result(odbc_session&)> fn);
  // One statement run on the session (its number, and a flag it sets once executed).
  using statement_work =
      std::function<query_result(odbc_session&, std::uint64_t run, std::atomic<bool>& executed)>;
  // Offloads `op` as the next run, then tracks the transaction `sql` began or ended if it
  // executed, and marks the connection broken after `disconnected`.
  boost::asio::awaitable<query_result> run_statement(std::string_view sql, statement_work op);
  // Completes the pending call with no result and marks the thread stuck.
  void give_up() noexcept;
  // Runs SQLCancel on the executing statement from a detached thread.
  void cancel_on_side_thread() noexcept;
  // Both: SQLCancel for the driver, and the pending call given up at once.
  void cancel_and_give_up() noexcept;
  // Updates in_transaction_ after `sql` was sent (statement_words.hpp): a text that may open a
  // transaction sets it whatever the outcome; one that only ends one clears it when `executed`.
  void track_transaction(std::string_view sql, bool executed) noexcept;
  query_result not_connected() const;

  std::string settings_;  ///< the connection string: a secret, never printed
  std::optional<std::chrono::milliseconds> keepalive_;
  std::chrono::milliseconds connect_timeout_;
  boost::asio::io_context::executor_type executor_;
  std::unique_ptr<odbc_thread> thread_;
  std::shared_ptr<odbc_session> session_;
  std::shared_ptr<link> link_;
  std::shared_ptr<pending> pending_;
  std::uint64_t runs_ = 0;  ///< statements offloaded so far: the run number of the latest
  boost::asio::steady_timer cancel_timer_;  ///< grace period after SQLCancel
  bool connected_ = false;
  bool broken_ = false;
  bool stuck_ = false;  ///< the ODBC thread is inside a call we gave up on
  /// Set by the side thread once its SQLCancel returned; null when none was sent.
  std::shared_ptr<std::atomic<bool>> side_cancel_done_;
  /// When the last SQLCancel's grace period ends (what finish_cancels waits until).
  std::chrono::steady_clock::time_point side_cancel_deadline_{};
  bool in_transaction_ = false;
};

}  // namespace outpools::rdbms
