#include "outpools/rdbms/client.hpp"

#include <future>

#include "drivers/rdbms/number_text.hpp"

namespace outpools::rdbms {

client::client(std::shared_ptr<pool> p)
    : pool_(std::move(p)), statements_(std::make_shared<statements>()) {}

namespace {
// Starts an operation with a callback and blocks until it completes (exactly once).
template <typename Start>
query_result wait_for(Start start) {
  std::promise<query_result> promise;
  std::future<query_result> done = promise.get_future();
  start([&promise](query_result r) { promise.set_value(std::move(r)); });
  return done.get();
}

query_result refuse_on_io_thread() {
  return query_result(call_result::failure(
      errc::invalid_argument, "a blocking call from an I/O thread would deadlock; use async_*"));
}
}  // namespace

query_result client::query(std::string sql, std::vector<value> params) {
  if (io_threads::in_any_io_thread()) return refuse_on_io_thread();
  return wait_for(
      [&](auto handler) { async_query(std::move(sql), std::move(params), std::move(handler)); });
}

void client::prepare(std::string name, std::string sql) {
  std::lock_guard lock(statements_->mutex);
  statements_->by_name[std::move(name)] = std::make_shared<const std::string>(std::move(sql));
}

query_result client::execute(std::string name, std::vector<value> params) {
  if (io_threads::in_any_io_thread()) return refuse_on_io_thread();
  return wait_for(
      [&](auto handler) { async_execute(std::move(name), std::move(params), std::move(handler)); });
}

std::shared_ptr<const std::string> client::statement_text(std::string_view name) const {
  std::lock_guard lock(statements_->mutex);
  auto it = statements_->by_name.find(name);
  return it == statements_->by_name.end() ? nullptr : it->second;
}

std::optional<query_result> transaction::not_to_send() {
  std::optional<query_result> refused;
  if (ctx_.cancelled())
    refused = query_result(call_result::failure(
        errc::timeout,
        "the call was answered already (call_timeout, or the pool stopping); the statement was "
        "not sent"));
  else if (ended_)
    refused = query_result(call_result::failure(
        errc::invalid_argument,
        "a statement before it ended the transaction; this one was not sent, as it would run "
        "outside the transaction"));
  if (refused) note(*refused);
  return refused;
}

void transaction::note(const query_result& r) {
  if (r.ok()) return;
  if (!first_failure_) first_failure_ = static_cast<const call_result&>(r);
}

void transaction::note_ran(query_result& r) {
  if (r.ok() && !connection_.in_transaction()) {
    ended_ = true;
    r = query_result(call_result::failure(
        errc::invalid_argument,
        "the statement ended the transaction (a COMMIT or ROLLBACK of its own, or a statement "
        "MySQL commits implicitly, as DDL): what it committed stays, and no further statement "
        "of the function is sent; a transaction's function returns success to commit, or an "
        "error to roll back"));
  }
  note(r);
}

boost::asio::awaitable<query_result> transaction::query(std::string sql,
                                                        std::vector<value> params) {
  if (auto refused = not_to_send()) co_return std::move(*refused);
  query_result r = co_await connection_.query(sql, params);
  note_ran(r);
  co_return r;
}

boost::asio::awaitable<query_result> transaction::execute(std::string name,
                                                          std::vector<value> params) {
  std::shared_ptr<const std::string> sql = owner_.statement_text(name);
  std::optional<query_result> refused = not_to_send();
  if (!refused && !sql) {
    refused = query_result(call_result::failure(errc::invalid_argument,
                                                "no prepared statement named \"" + name + "\""));
    note(*refused);
  }
  if (refused) co_return std::move(*refused);
  query_result r = co_await connection_.execute(name, *sql, params);
  note_ran(r);
  co_return r;
}

query_result server_error(std::string sqlstate, const std::string& message) {
  query_result r(call_result::failure(errc::server_error, "SQLSTATE " + sqlstate + ": " + message));
  r.sqlstate = std::move(sqlstate);
  return r;
}

std::string to_text(const value& v) {
  struct visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return double_text(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const bytes& b) const {
      static const char* hex = "0123456789abcdef";
      std::string out = "\\x";
      for (std::uint8_t byte : b.data) {
        out += hex[byte >> 4];
        out += hex[byte & 15];
      }
      return out;
    }
  };
  return std::visit(visitor{}, v);
}

}  // namespace outpools::rdbms
