// outpools/rdbms/client.hpp — typed queries, prepared statements and transactions over a pool.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "outpools/job_context.hpp"
#include "outpools/pool.hpp"
#include "outpools/rdbms/connection.hpp"
#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

class client;

/// The connection a transaction runs on, between BEGIN and COMMIT. Only valid inside the
/// transaction's function, on the worker's thread.
class transaction {
 public:
  /// Runs `sql` on the transaction's connection. An error makes the transaction roll back once
  /// the function returns (whatever it returns). Once the call was answered (`timeout` past
  /// call_timeout, or the pool stopping), nothing more is sent: `timeout` at once. A statement
  /// that ends the transaction itself (COMMIT, ROLLBACK, or one MySQL commits implicitly: DDL)
  /// answers `invalid_argument`, fails the transaction, and no later statement is sent (each
  /// answers `invalid_argument` at once): what follows would run outside it.
  boost::asio::awaitable<query_result> query(std::string sql, std::vector<value> params = {});
  /// Runs the statement registered with client::prepare under `name`; as query() once the
  /// call was answered.
  boost::asio::awaitable<query_result> execute(std::string name, std::vector<value> params = {});

 private:
  friend class client;
  transaction(connection& c, const client& owner, const job_context& ctx)
      : connection_(c), owner_(owner), ctx_(ctx) {}
  // The answer of a statement not to be sent (and the transaction failed): `timeout` when the
  // caller was answered already (sent then, it would run with nobody waiting, holding the
  // worker and its locks), `invalid_argument` when a statement before ended the transaction.
  std::optional<query_result> not_to_send();
  // Records a statement's outcome: a failure fails the transaction, the first one is kept.
  void note(const query_result& r);
  // note() of a statement that ran; one that left the connection outside a transaction ended
  // it: `r` becomes `invalid_argument` saying so, and ended_ is set.
  void note_ran(query_result& r);
  connection& connection_;
  const client& owner_;
  const job_context& ctx_;
  std::optional<call_result> first_failure_;  ///< the first statement that failed, as it did
  bool ended_ = false;                        ///< a statement of the function ended the transaction
};

/// Typed access to an rdbms pool. Copies share the pool and the registry of prepared statements.
/// Every member is thread-safe. Completion tokens work as for pool::async_call (callbacks,
/// use_awaitable, use_future, ...); every operation completes exactly once, within the pool's
/// call_timeout, with `timeout` past it (the statement is then cancelled on the server).
class client {
 public:
  /// `p` must be an rdbms pool (its workers' drivers are rdbms::connection).
  explicit client(std::shared_ptr<pool> p);

  /// Runs `sql` with positional parameters (`$1`... for pgsql, `?` for mysql and odbc);
  /// completes with a query_result. More `params` than the text's markers: `invalid_argument`
  /// before anything runs; fewer: the same for mysql and odbc, the server's refusal
  /// (`server_error`) for pgsql. A string of several statements: pgsql (without parameters) and
  /// psqlODBC give the last one's result; mysql, MariaDB ODBC and SQLite refuse it.
  template <typename Token>
  auto async_query(std::string sql, std::vector<value> params, Token&& token) {
    return run_async([sql = std::move(sql),
                      params = std::move(params)](connection& c) { return c.query(sql, params); },
                     std::forward<Token>(token));
  }

  /// Blocking form of async_query; must not be called from an I/O thread.
  query_result query(std::string sql, std::vector<value> params = {});

  /// Registers `sql` under `name` (no I/O): each connection prepares it the first time it
  /// executes it. Registering a name again (on this client or on another client of the same
  /// pool) replaces its text: a connection that prepared the old text drops it and prepares
  /// the new one when it next executes the name with it. A statement whose table was altered
  /// answers with its new columns at its next run (see docs/architecture.md: mysql and MariaDB
  /// ODBC run it once more for that when it only reads, else answer `protocol_error`).
  void prepare(std::string name, std::string sql);

  /// Runs the prepared statement `name`; `invalid_argument` when no such name was registered.
  template <typename Token>
  auto async_execute(std::string name, std::vector<value> params, Token&& token) {
    auto sql = statement_text(name);
    return run_async(
        [name = std::move(name), sql = std::move(sql),
         params = std::move(params)](connection& c) -> boost::asio::awaitable<query_result> {
          if (!sql) {
            co_return query_result(call_result::failure(
                errc::invalid_argument, "no prepared statement named \"" + name + "\""));
          }
          co_return co_await c.execute(name, *sql, params);
        },
        std::forward<Token>(token));
  }

  /// Blocking form of async_execute.
  query_result execute(std::string name, std::vector<value> params = {});

  /// Runs `fn(transaction&) -> awaitable<call_result>` on one connection between BEGIN and
  /// COMMIT. Rolled back when fn returns an error, one of its statements failed, it throws, or
  /// the call times out (after that fn's statements are not sent). Completes with fn's result,
  /// the failure of BEGIN/COMMIT, or — fn having returned success after a failed statement —
  /// that statement's error ("a statement of the transaction failed: ..."). A call that times
  /// out while COMMIT runs may still have committed: the server decides.
  template <typename Fn, typename Token>
  auto async_transaction(Fn fn, Token&& token) {
    return pool_->async_call(
        [this_client = *this,
         fn = std::move(fn)](job_context& ctx) mutable -> boost::asio::awaitable<call_result> {
          co_return co_await this_client.run_transaction(ctx, fn);
        },
        std::forward<Token>(token));
  }

  /// Blocking form of async_transaction.
  template <typename Fn>
  call_result transaction_blocking(Fn fn) {
    return pool_->call([this_client = *this, fn = std::move(fn)](
                           job_context& ctx) mutable -> boost::asio::awaitable<call_result> {
      co_return co_await this_client.run_transaction(ctx, fn);
    });
  }

  /// The pool this client calls.
  const std::shared_ptr<pool>& underlying_pool() const noexcept { return pool_; }

 private:
  friend class transaction;
  using registry = std::map<std::string, std::shared_ptr<const std::string>, std::less<>>;
  struct statements {
    std::mutex mutex;
    registry by_name;
  };

  std::shared_ptr<const std::string> statement_text(std::string_view name) const;

  template <typename Fn>
  boost::asio::awaitable<call_result> run_transaction(job_context& ctx, Fn& fn) const {
    auto& c = static_cast<connection&>(*ctx.connection);
    query_result begin = co_await c.query("BEGIN", {});
    if (!begin.ok()) co_return begin;
    transaction tx(c, *this, ctx);
    call_result result;
    try {
      result = co_await fn(tx);
    } catch (const std::exception& e) {
      result =
          call_result::failure(errc::job_failed, std::string("transaction threw: ") + e.what());
    } catch (...) {
      result = call_result::failure(errc::job_failed, "transaction threw");
    }
    if (result.ok() && tx.first_failure_)  // fn went on after a failed statement
      result = call_result::failure(
          static_cast<errc>(tx.first_failure_->error.value()),
          "a statement of the transaction failed: " + tx.first_failure_->diagnostics);
    // The caller was answered `timeout` (or the pool is stopping): nothing may be committed.
    if (result.ok() && ctx.cancelled())
      result = call_result::failure(errc::timeout, "the call timed out before COMMIT");
    if (tx.ended_) co_return result;  // a statement of fn ended it: nothing to end here
    query_result end = co_await c.query(result.ok() ? "COMMIT" : "ROLLBACK", {});
    if (result.ok() && !end.ok()) co_return end;
    co_return result;
  }

  // Runs `op(connection&) -> awaitable<query_result>` on a worker; completes with query_result.
  template <typename Op, typename Token>
  auto run_async(Op op, Token&& token) {
    return boost::asio::async_initiate<Token, void(query_result)>(
        [](auto handler, std::shared_ptr<pool> p, Op op) {
          auto out = std::make_shared<query_result>();
          // The completion runs where the caller's handler wants it (its associated executor),
          // as with pool::async_call; on the pool's own thread only without one.
          auto executor = boost::asio::get_associated_executor(handler, p->default_executor());
          p->async_call(
              [op = std::move(op),
               out](job_context& ctx) mutable -> boost::asio::awaitable<call_result> {
                auto& c = static_cast<connection&>(*ctx.connection);
                *out = co_await op(c);
                co_return static_cast<const call_result&>(*out);
              },
              boost::asio::bind_executor(
                  executor, [handler = std::move(handler), out](call_result r) mutable {
                    // The pool's outcome wins (timeout, dropped, ...); the rows only with success.
                    // After timeout, shutting_down or cancelled the job may still be running: its
                    // output is not touched then.
                    if (!r.ok()) {
                      query_result failed(std::move(r));
                      if (failed.error != errc::timeout && failed.error != errc::shutting_down &&
                          failed.error != errc::cancelled) {
                        failed.sqlstate = out->sqlstate;
                        failed.notices = std::move(out->notices);  // the server's, until it failed
                      }
                      std::move(handler)(std::move(failed));
                    } else {
                      std::move(handler)(std::move(*out));
                    }
                  }));
        },
        token, pool_, std::move(op));
  }

  std::shared_ptr<pool> pool_;
  std::shared_ptr<statements> statements_;
};

/// The driver factory of rdbms pools: pgsql, mysql or odbc by the spec's driver.
outpools::driver_factory driver_factory();

}  // namespace outpools::rdbms
