// odbc_values.hpp — rdbms values to ODBC parameters, and ODBC result sets to rows.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// Parameters bound to a statement's `?` markers with SQLBindParameter: text as
/// SQL_C_CHAR/SQL_VARCHAR, int64 as SQL_C_SBIGINT/SQL_BIGINT, double as SQL_C_DOUBLE/SQL_DOUBLE,
/// bool as SQL_C_BIT/SQL_BIT, bytes as SQL_C_BINARY/SQL_VARBINARY, null as SQL_NULL_DATA.
/// The bound buffers live in this object and in `params`: both must outlive the execution.
class odbc_params {
 public:
  /// Binds `params` to `stmt` (after SQL_RESET_PARAMS). Returns the first failing return code,
  /// or SQL_SUCCESS.
  SQLRETURN bind(SQLHSTMT stmt, std::span<const value> params);

 private:
  std::vector<SQLLEN> indicators_;
  std::vector<unsigned char> flags_;
};

/// Reads the columns and every row of the current result set of `stmt`, typed by SQL type:
/// SQL_BIT → bool, integer types → int64, REAL/FLOAT/DOUBLE → double, (VAR)BINARY → bytes,
/// everything else (NUMERIC/DECIMAL and dates included) → text. Asks `stop` before each row and
/// stops reading (returning SQL_SUCCESS) once it says true. Returns the first failing return
/// code, or SQL_SUCCESS.
SQLRETURN read_odbc_rows(SQLHSTMT stmt, SQLSMALLINT columns, query_result& out,
                         const std::function<bool()>& stop);

}  // namespace outpools::rdbms
