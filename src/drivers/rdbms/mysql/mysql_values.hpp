// mysql_values.hpp — rdbms values to MariaDB parameters, and MariaDB results to rows.
#pragma once

#include <mysql.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// `sql` with each `?` placeholder (outside quotes, backquotes and comments) replaced by the
/// matching parameter as an SQL literal: text quoted and escaped with mysql_real_escape_string
/// (so the server infers its type), int64 and double (with an exponent, so a DOUBLE) unquoted,
/// bool as TRUE/FALSE, bytes as X'..', null as NULL. Nullopt with `error` set when the count of
/// placeholders and parameters differ. `m` must be connected (escaping follows its charset and
/// NO_BACKSLASH_ESCAPES). Not thread-safe with other uses of `m`.
std::optional<std::string> mysql_interpolate(MYSQL* m, std::string_view sql,
                                             std::span<const value> params, std::string& error);

/// Why `params` cannot be sent to MariaDB or MySQL, or nullopt: a NaN or infinite double, which
/// they have no value for (a query's literal would not parse; a prepared statement's binary
/// value is refused or stored as something else). For query() and execute() alike. Pure.
std::optional<std::string> unsendable_parameter(std::span<const value> params);

/// Sets `out.columns` to the names of a result's columns.
void read_mysql_columns(MYSQL_RES* res, query_result& out);

/// Appends row `r`, just fetched from text-protocol result `res`, to `out.rows`, typed by field
/// type: integers → int64 (an unsigned BIGINT above INT64_MAX → text), FLOAT/DOUBLE → double,
/// BIT → int64, binary strings and BLOBs → bytes, everything else (DECIMAL and dates included)
/// → text. No I/O.
void append_mysql_row(MYSQL_RES* res, MYSQL_ROW r, query_result& out);

/// Parameters of a prepared statement as MYSQL_BIND, owning their buffers: text as STRING,
/// int64 as LONGLONG, double as DOUBLE, bool as TINY, bytes as BLOB, null as NULL.
class mysql_stmt_params {
 public:
  explicit mysql_stmt_params(std::span<const value> params);
  MYSQL_BIND* binds() noexcept { return binds_.empty() ? nullptr : binds_.data(); }
  std::size_t count() const noexcept { return binds_.size(); }

 private:
  std::vector<MYSQL_BIND> binds_;
  std::vector<std::int64_t> integers_;
  std::vector<double> doubles_;
  std::vector<char> flags_;
};

/// Types the rows of an executed statement as append_mysql_row does, one at a time, each after
/// the caller fetched it (mysql_stmt_fetch_start/cont, unbuffered). A value longer than its
/// buffer is fetched whole with mysql_stmt_fetch_column. No I/O. Not thread-safe; `stmt` and
/// `metadata` must outlive it.
class mysql_stmt_rows {
 public:
  /// Sets `out.columns` and prepares buffers for the statement's columns.
  mysql_stmt_rows(MYSQL_STMT* stmt, MYSQL_RES* metadata, query_result& out);

  /// Binds the buffers to the statement, before the first fetch. False with `error` set when
  /// the library refused.
  bool bind(std::string& error);
  /// Appends the row just fetched (the fetch returned 0 or MYSQL_DATA_TRUNCATED) to the `out`
  /// given above. False with `error` set when a value could not be fetched whole.
  bool read_row(std::string& error);

 private:
  struct column {
    std::vector<char> buffer;
    unsigned long length = 0;
    my_bool is_null = 0;
    my_bool truncated = 0;
  };
  MYSQL_STMT* stmt_;
  unsigned int columns_;
  const MYSQL_FIELD* fields_;
  query_result& out_;
  std::vector<column> cells_;
  std::vector<MYSQL_BIND> binds_;
};

}  // namespace outpools::rdbms
