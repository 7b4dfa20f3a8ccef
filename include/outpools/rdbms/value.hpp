// outpools/rdbms/value.hpp — values, rows and results of rdbms queries.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "outpools/call_result.hpp"

namespace outpools::rdbms {

/// Binary data (bytea, BLOB, VARBINARY).
struct bytes {
  std::vector<std::uint8_t> data;
  friend bool operator==(const bytes&, const bytes&) = default;
};

/// One value of a row, or one query parameter: null, bool, int64, double, text or bytes.
/// As a parameter, text is sent untyped (the server infers its type); the other kinds are sent
/// with their own type, by query() and by a prepared statement's execute(). Empty bytes are
/// empty bytes, not NULL.
using value = std::variant<std::monostate, bool, std::int64_t, double, std::string, bytes>;

/// A row: one value per column, in column order.
using row = std::vector<value>;

/// What a query completes with: the outcome (ok, or `server_error` with the SQLSTATE and the
/// server's message in the diagnostics, `disconnected`, `timeout`, ...) and, on success, the
/// columns, rows and affected row count.
struct query_result : call_result {
  std::vector<std::string> columns;
  std::vector<row> rows;
  std::uint64_t affected_rows = 0;  ///< INSERT/UPDATE/DELETE; 0 for a SELECT
  std::string sqlstate;             ///< five characters when the server reported an error
  /// The server's notices and warnings while the statement ran, as it worded them
  /// ("NOTICE:  table \"t\" does not exist, skipping"); pgsql only (mysql and odbc: empty).
  std::vector<std::string> notices;

  query_result() = default;
  explicit query_result(call_result r) : call_result(std::move(r)) {}
};

/// A server error: `server_error` with "SQLSTATE XXXXX: message" as diagnostics.
query_result server_error(std::string sqlstate, const std::string& message);

/// Text for a value, as `outpools call` prints it ("NULL" for null, \x.. hex for bytes).
std::string to_text(const value& v);

}  // namespace outpools::rdbms
