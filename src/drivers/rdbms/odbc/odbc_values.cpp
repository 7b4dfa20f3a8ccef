#include "drivers/rdbms/odbc/odbc_values.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "drivers/rdbms/bytes_address.hpp"

namespace outpools::rdbms {
namespace {

// unsigned_big: a BIGINT UNSIGNED (MariaDB), whose values above INT64_MAX do not fit an int64.
enum class kind { boolean, integer, unsigned_big, real, binary, text };

kind kind_of(SQLSMALLINT type) {
  switch (type) {
    case SQL_BIT:
      return kind::boolean;
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT:
      return kind::integer;
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE:
      return kind::real;
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY:
      return kind::binary;
    default:
      return kind::text;
  }
}

// Reads a character or binary column in chunks (its length may be unknown beforehand).
SQLRETURN read_chunks(SQLHSTMT stmt, SQLUSMALLINT column, bool binary, value& out) {
  std::string data;
  char buffer[4096];
  const SQLSMALLINT c_type = binary ? SQL_C_BINARY : SQL_C_CHAR;
  const std::size_t usable = binary ? sizeof buffer : sizeof buffer - 1;  // text: NUL at the end
  for (;;) {
    SQLLEN indicator = 0;
    const SQLRETURN rc = SQLGetData(stmt, column, c_type, buffer, sizeof buffer, &indicator);
    if (rc == SQL_NO_DATA) break;
    if (!SQL_SUCCEEDED(rc)) return rc;
    if (indicator == SQL_NULL_DATA) {
      out = std::monostate{};
      return SQL_SUCCESS;
    }
    const std::size_t n = indicator == SQL_NO_TOTAL || static_cast<std::size_t>(indicator) > usable
                              ? usable
                              : static_cast<std::size_t>(indicator);
    data.append(buffer, n);
    if (rc == SQL_SUCCESS) break;  // SQL_SUCCESS_WITH_INFO (01004): more to come
  }
  if (binary)
    out = bytes{std::vector<std::uint8_t>(data.begin(), data.end())};
  else
    out = std::move(data);
  return SQL_SUCCESS;
}

SQLRETURN read_cell(SQLHSTMT stmt, SQLUSMALLINT column, kind k, value& out) {
  SQLLEN indicator = 0;
  SQLRETURN rc = SQL_SUCCESS;
  switch (k) {
    case kind::boolean: {
      unsigned char b = 0;
      rc = SQLGetData(stmt, column, SQL_C_BIT, &b, sizeof b, &indicator);
      if (SQL_SUCCEEDED(rc)) out = b != 0;
      break;
    }
    case kind::integer: {
      SQLBIGINT i = 0;
      rc = SQLGetData(stmt, column, SQL_C_SBIGINT, &i, sizeof i, &indicator);
      if (SQL_SUCCEEDED(rc)) out = static_cast<std::int64_t>(i);
      break;
    }
    case kind::unsigned_big: {
      SQLUBIGINT u = 0;
      rc = SQLGetData(stmt, column, SQL_C_UBIGINT, &u, sizeof u, &indicator);
      // As the mysql driver gives it: an int64 when it fits, its decimal text when not.
      if (SQL_SUCCEEDED(rc))
        out = u <= static_cast<SQLUBIGINT>(INT64_MAX) ? value(static_cast<std::int64_t>(u))
                                                      : value(std::to_string(u));
      break;
    }
    case kind::real: {
      double d = 0;
      rc = SQLGetData(stmt, column, SQL_C_DOUBLE, &d, sizeof d, &indicator);
      if (SQL_SUCCEEDED(rc)) out = d;
      break;
    }
    case kind::binary:
      return read_chunks(stmt, column, true, out);
    case kind::text:
      return read_chunks(stmt, column, false, out);
  }
  if (SQL_SUCCEEDED(rc) && indicator == SQL_NULL_DATA) out = std::monostate{};
  return SQL_SUCCEEDED(rc) ? SQL_SUCCESS : rc;
}

}  // namespace

SQLRETURN odbc_params::bind(SQLHSTMT stmt, std::span<const value> params) {
  SQLFreeStmt(stmt, SQL_RESET_PARAMS);
  indicators_.assign(params.size(), 0);
  flags_.assign(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const value& v = params[i];
    const auto number = static_cast<SQLUSMALLINT>(i + 1);
    SQLLEN& indicator = indicators_[i];
    SQLRETURN rc = SQL_SUCCESS;
    if (std::holds_alternative<std::monostate>(v)) {
      indicator = SQL_NULL_DATA;
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 1, 0, nullptr,
                            0, &indicator);
    } else if (const bool* b = std::get_if<bool>(&v)) {
      flags_[i] = *b ? 1 : 0;
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_BIT, SQL_BIT, 1, 0, &flags_[i], 0,
                            &indicator);
    } else if (const std::int64_t* n = std::get_if<std::int64_t>(&v)) {
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 19, 0,
                            const_cast<std::int64_t*>(n), 0, &indicator);
    } else if (const double* d = std::get_if<double>(&v)) {
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 15, 0,
                            const_cast<double*>(d), 0, &indicator);
    } else if (const std::string* s = std::get_if<std::string>(&v)) {
      indicator = static_cast<SQLLEN>(s->size());
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR,
                            std::max<SQLULEN>(1, s->size()), 0, const_cast<char*>(s->data()),
                            static_cast<SQLLEN>(s->size()), &indicator);
    } else if (const bytes* raw = std::get_if<bytes>(&v)) {
      indicator = static_cast<SQLLEN>(raw->data.size());
      rc = SQLBindParameter(stmt, number, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARBINARY,
                            std::max<SQLULEN>(1, raw->data.size()), 0,
                            const_cast<std::uint8_t*>(bytes_address(*raw)),
                            static_cast<SQLLEN>(raw->data.size()), &indicator);
    }
    if (!SQL_SUCCEEDED(rc)) return rc;
  }
  return SQL_SUCCESS;
}

SQLRETURN read_odbc_rows(SQLHSTMT stmt, SQLSMALLINT columns, query_result& out,
                         const std::function<bool()>& stop) {
  std::vector<kind> kinds;
  out.columns.clear();
  for (SQLSMALLINT c = 1; c <= columns; ++c) {
    SQLCHAR name[256];
    SQLSMALLINT name_length = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    const SQLRETURN rc = SQLDescribeCol(stmt, static_cast<SQLUSMALLINT>(c), name, sizeof name,
                                        &name_length, &type, &size, &digits, &nullable);
    if (!SQL_SUCCEEDED(rc)) return rc;
    out.columns.emplace_back(
        reinterpret_cast<const char*>(name),
        std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(name_length, 0)),
                              sizeof name - 1));
    kind k = kind_of(type);
    if (type == SQL_BIGINT) {
      SQLLEN is_unsigned = SQL_FALSE;
      if (SQL_SUCCEEDED(SQLColAttribute(stmt, static_cast<SQLUSMALLINT>(c), SQL_DESC_UNSIGNED,
                                        nullptr, 0, nullptr, &is_unsigned)) &&
          is_unsigned == SQL_TRUE)
        k = kind::unsigned_big;
    }
    kinds.push_back(k);
  }
  while (!stop()) {
    const SQLRETURN fetched = SQLFetch(stmt);
    if (fetched == SQL_NO_DATA) break;
    if (!SQL_SUCCEEDED(fetched)) return fetched;
    row values(static_cast<std::size_t>(columns));
    for (SQLSMALLINT c = 1; c <= columns; ++c) {
      const SQLRETURN rc =
          read_cell(stmt, static_cast<SQLUSMALLINT>(c), kinds[static_cast<std::size_t>(c - 1)],
                    values[static_cast<std::size_t>(c - 1)]);
      if (!SQL_SUCCEEDED(rc)) return rc;
    }
    out.rows.push_back(std::move(values));
  }
  return SQL_SUCCESS;
}

}  // namespace outpools::rdbms
