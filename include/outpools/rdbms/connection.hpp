// outpools/rdbms/connection.hpp — what every rdbms driver (pgsql, mysql, odbc) offers a job.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <span>
#include <string_view>

#include "outpools/driver.hpp"
#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// How often the pgsql and mysql drivers have an idle connection checked (closed_while_idle).
inline constexpr std::chrono::milliseconds idle_check_every{1000};

/// One database connection of one worker. The core calls the connection_driver members; a job
/// (through rdbms::client) calls these, on the worker's thread, one at a time.
class connection : public connection_driver {
 public:
  /// Runs `sql` with positional parameters ($1.. for pgsql, ? for mysql and odbc).
  virtual boost::asio::awaitable<query_result> query(std::string_view sql,
                                                     std::span<const value> params) = 0;
  /// Runs the prepared statement `name`, preparing `sql` under that name first if this
  /// connection has not prepared it yet.
  virtual boost::asio::awaitable<query_result> execute(std::string_view name, std::string_view sql,
                                                       std::span<const value> params) = 0;
  /// True while a transaction is open on this connection (BEGIN without COMMIT/ROLLBACK).
  virtual bool in_transaction() const noexcept = 0;
  /// A transaction left open by a call is rolled back (reset()) before the next call.
  bool needs_reset() const noexcept override { return in_transaction(); }
};

}  // namespace outpools::rdbms
