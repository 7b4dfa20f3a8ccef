#include "drivers/rdbms/odbc/odbc_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>
#include <vector>

#include "drivers/rdbms/poll_until.hpp"
#include "drivers/rdbms/side_cancels.hpp"
#include "drivers/rdbms/statement_words.hpp"

namespace outpools::rdbms {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

// SQLCancel side threads of the process (odbc_connection::cancel_on_side_thread()).
side_cancels sql_cancels{odbc_connection::max_side_cancels_in_flight};

query_result copy_stream_refused() {
  return query_result(call_result::failure(
      errc::invalid_argument,
      "COPY FROM STDIN and COPY TO STDOUT are not supported through ODBC (psqlODBC would wait "
      "for the data stream for ever); the statement was not sent"));
}

}  // namespace

struct odbc_connection::pending {
  explicit pending(asio::io_context::executor_type executor)
      : signal(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer signal;  ///< cancelled once the call completed or was given up
  bool done = false;
  std::optional<query_result> result;
};

odbc_connection::odbc_connection(const pool_spec& spec, asio::io_context::executor_type executor)
    : connect_timeout_(spec.connect_timeout.value_or(std::chrono::milliseconds(5000))),
      executor_(executor),
      link_(std::make_shared<link>()),
      cancel_timer_(executor) {
  const auto& o = std::get<rdbms_options>(spec.connection);
  if (o.settings) settings_ = o.settings->reveal();
  if (o.keepalive_interval) keepalive_ = *o.keepalive_interval;
}

odbc_connection::~odbc_connection() {
  close();
  {
    std::lock_guard lock(link_->mutex);
    link_->alive = false;
  }
  if (thread_) thread_->join();  // only the session's release() can be queued: close() saw to it
}

awaitable<query_result> odbc_connection::offload(std::function<query_result(odbc_session&)> fn) {
  auto p = std::make_shared<pending>(executor_);
  pending_ = p;
  // The ODBC thread holds `pending` weakly: its timer must be destroyed on the worker's thread,
  // while the io_context lives, not by a stuck call that returns after the pool has gone.
  thread_->post([weak = std::weak_ptr<pending>(p), session = session_, link = link_,
                 executor = executor_, fn = std::move(fn)] {
    query_result r;
    try {
      r = fn(*session);
    } catch (const std::exception& e) {
      r = query_result(call_result::failure(errc::job_failed, e.what()));
    }
    std::lock_guard lock(link->mutex);
    if (!link->alive) return;
    asio::post(executor, [weak, r = std::move(r)]() mutable {
      const std::shared_ptr<pending> p = weak.lock();
      if (!p || p->done) return;  // given up, or its awaiter has gone
      p->done = true;
      p->result = std::move(r);
      p->signal.cancel();
    });
  });
  if (!p->done) co_await p->signal.async_wait(asio::as_tuple(use_awaitable));
  // Woken by the cancellation of the job awaiting it (its pool stops), while the call still runs
  // on the ODBC thread: give the call up, so that close() leaves that thread to finish on its own
  // instead of waiting for it (a call that never returns would hang the stop).
  if (!p->done && pending_ == p) cancel_and_give_up();
  if (pending_ == p) pending_.reset();
  if (!p->result) {
    broken_ = true;
    co_return query_result(call_result::failure(
        errc::disconnected, "the ODBC driver did not return in time; the connection was given up"));
  }
  co_return std::move(*p->result);
}

void odbc_connection::give_up() noexcept {
  if (!pending_ || pending_->done) return;
  if (session_) session_->abandon();
  pending_->done = true;
  pending_->signal.cancel();
  pending_.reset();
  stuck_ = true;
  broken_ = true;
}

awaitable<call_result> odbc_connection::connect() {
  close();
  broken_ = false;
  if (!thread_) thread_ = std::make_unique<odbc_thread>();
  session_ = std::make_shared<odbc_session>();
  const std::string settings = settings_;
  const auto timeout = connect_timeout_;
  // The work is a named local, not a temporary inside the co_await expression: GCC 12
  // destroys such temporaries wrongly in coroutines.
  std::function<query_result(odbc_session&)> work = [settings, timeout](odbc_session& s) {
    return query_result(s.connect(settings, timeout));
  };
  query_result r = co_await offload(std::move(work));
  if (!r.ok()) {
    close();
    co_return static_cast<call_result>(r);
  }
  connected_ = true;
  co_return call_result::success();
}

awaitable<call_result> odbc_connection::ping() {
  query_result r = co_await query("SELECT 1", {});
  co_return static_cast<call_result>(r);
}

awaitable<call_result> odbc_connection::reset() {
  cancel_timer_.cancel();
  if (!connected_ || broken_) co_return call_result::failure(errc::disconnected, "connection lost");
  if (in_transaction_) {
    query_result r = co_await query("ROLLBACK", {});
    co_return static_cast<call_result>(r);
  }
  co_return call_result::success();
}

void odbc_connection::close() noexcept {
  cancel_timer_.cancel();
  if (pending_ && !pending_->done) cancel_and_give_up();
  if (session_ && thread_) {
    try {
      thread_->post([s = std::move(session_)] { s->release(); });
    } catch (...) {
    }
  }
  session_.reset();
  side_cancel_done_.reset();  // the next session's cancels are its own
  if (stuck_ && thread_) {
    thread_->detach();  // it ends once the stuck call returns and the session is released
    thread_.reset();
    stuck_ = false;
  }
  connected_ = false;
  in_transaction_ = false;
}

void odbc_connection::cancel_and_give_up() noexcept {
  cancel_on_side_thread();
  give_up();
}

int odbc_connection::side_cancels_in_flight() noexcept { return sql_cancels.alive(); }

void odbc_connection::cancel_on_side_thread() noexcept {
  if (!session_) return;
  session_->mark_cancelled(runs_);
  // A driver's SQLCancel may block for ever (psqlODBC's is libpq's PQcancel: a server that never
  // answers cancel requests): one side thread per connection at a time, and
  // max_side_cancels_in_flight in the process. Past either, no SQLCancel: the grace period gives
  // the connection up.
  sql_cancels.start(side_cancel_done_, [s = session_, run = runs_] { s->cancel_running(run); });
  side_cancel_deadline_ = std::chrono::steady_clock::now() + connect_timeout_;
}

void odbc_connection::cancel() noexcept {
  if (!pending_ || pending_->done) return;
  if (!connected_) {  // connecting: SQLDriverConnect cannot be cancelled; give it up
    give_up();
    return;
  }
  cancel_on_side_thread();
  cancel_timer_.expires_after(connect_timeout_);
  cancel_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) give_up();
  });
}

awaitable<void> odbc_connection::finish_cancels() {
  if (!side_cancel_done_) co_return;
  const std::shared_ptr<std::atomic<bool>> request = side_cancel_done_;
  auto landed = [&request] { return request->load(std::memory_order_acquire); };
  co_await poll_for(executor_, landed, side_cancel_deadline_);  // the grace from its start
}

bool odbc_connection::is_fatal(const call_result& result) const noexcept {
  return !connected_ || broken_ || connection_driver::is_fatal(result);
}

std::optional<std::chrono::milliseconds> odbc_connection::keepalive_interval() const noexcept {
  return keepalive_;
}

query_result odbc_connection::not_connected() const {
  return query_result(call_result::failure(errc::disconnected, "not connected"));
}

void odbc_connection::track_transaction(std::string_view sql, bool executed) noexcept {
  try {
    if (may_open_transaction(sql)) {
      // Even when it failed or was cancelled: "BEGIN; ..." may have begun one before its next
      // statement failed. A ROLLBACK too many is harmless.
      in_transaction_ = true;
    } else if (executed && only_ends_transaction(sql)) {
      in_transaction_ = false;
    }
  } catch (...) {  // no memory for the words: assume the worst
    in_transaction_ = true;
  }
}

awaitable<query_result> odbc_connection::query(std::string_view sql,
                                               std::span<const value> params) {
  if (!connected_ || broken_ || !session_) co_return not_connected();
  if (is_copy_stream(sql)) co_return copy_stream_refused();
  std::string text(sql);
  std::vector<value> copied(params.begin(), params.end());  // the call may outlive the caller
  // A named local, not a temporary inside the co_await expression (GCC 12, see connect()).
  statement_work op = [text, copied = std::move(copied)](odbc_session& s, std::uint64_t run,
                                                         std::atomic<bool>& executed) {
    return s.query(run, text, copied, executed);
  };
  co_return co_await run_statement(sql, std::move(op));
}

awaitable<query_result> odbc_connection::execute(std::string_view name, std::string_view sql,
                                                 std::span<const value> params) {
  if (!connected_ || broken_ || !session_) co_return not_connected();
  if (is_copy_stream(sql)) co_return copy_stream_refused();
  std::string statement(name), text(sql);
  std::vector<value> copied(params.begin(), params.end());
  statement_work op = [statement, text, copied = std::move(copied), in_tx = in_transaction_](
                          odbc_session& s, std::uint64_t run, std::atomic<bool>& executed) {
    return s.execute(run, statement, text, copied, executed, in_tx);
  };
  co_return co_await run_statement(sql, std::move(op));
}

awaitable<query_result> odbc_connection::run_statement(std::string_view sql, statement_work op) {
  // Written on the connection's thread, read here after the result came back (or never, when
  // the call was given up and the thread may still write it).
  auto executed = std::make_shared<std::atomic<bool>>(false);
  std::function<query_result(odbc_session&)> work = [run = ++runs_, executed,
                                                     op = std::move(op)](odbc_session& s) {
    return op(s, run, *executed);
  };
  query_result r = co_await offload(std::move(work));
  // A statement counts for the transaction even when its call was cancelled: a BEGIN that ran
  // leaves one open, which reset() must roll back.
  track_transaction(sql, executed->load(std::memory_order_relaxed));
  if (r.error == errc::disconnected) broken_ = true;
  co_return r;
}

}  // namespace outpools::rdbms
