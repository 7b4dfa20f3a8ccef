#include "drivers/rdbms/mysql/mysql_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "drivers/rdbms/bytes_address.hpp"
#include "drivers/rdbms/number_text.hpp"
#include "drivers/rdbms/parameter_count.hpp"

namespace outpools::rdbms {
namespace {

enum class kind { integer, real, bit, binary, text };

kind kind_of(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return kind::integer;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return kind::real;
    case MYSQL_TYPE_BIT:
      return kind::bit;
    case MYSQL_TYPE_GEOMETRY:
      return kind::binary;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
      return f.charsetnr == 63 ? kind::binary : kind::text;  // 63: binary
    default:
      return kind::text;
  }
}

value decode_integer(const char* data, std::size_t length, bool is_unsigned) {
  if (is_unsigned) {
    std::uint64_t u = 0;
    auto [end, ec] = std::from_chars(data, data + length, u);
    if (ec == std::errc() && end == data + length &&
        u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(u);
  } else {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(data, data + length, v);
    if (ec == std::errc() && end == data + length) return v;
  }
  return std::string(data, length);
}

value decode_bits(const unsigned char* data, std::size_t length) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < length; ++i) v = (v << 8) | data[i];
  return static_cast<std::int64_t>(v);
}

value decode(const MYSQL_FIELD& f, const char* data, std::size_t length) {
  switch (kind_of(f)) {
    case kind::integer:
      return decode_integer(data, length, (f.flags & UNSIGNED_FLAG) != 0);
    case kind::real:
      if (auto d = parse_double(std::string_view(data, length))) return *d;
      break;
    case kind::bit:
      return decode_bits(reinterpret_cast<const unsigned char*>(data), length);
    case kind::binary: {
      const auto* p = reinterpret_cast<const std::uint8_t*>(data);
      return bytes{std::vector<std::uint8_t>(p, p + length)};
    }
    case kind::text:
      break;
  }
  return std::string(data, length);
}

// Where the next `?` placeholder is, from `i`; npos when there is none.
std::size_t next_placeholder(std::string_view sql, std::size_t i) {
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      for (++i; i < sql.size() && sql[i] != c; ++i)
        if (sql[i] == '\\' && c != '`') ++i;
      ++i;
    } else if (c == '#' ||
               (c == '-' && sql.substr(i, 2) == "--" &&
                (i + 2 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && (sql.substr(i, 3) == "/*!" || sql.substr(i, 4) == "/*M!")) {
      // An executable comment (/*!50000 ... */, MariaDB's /*M! ... */): the server runs what
      // is inside, so its `?`s are placeholders; its closing */ reads as two plain characters.
      i += sql[i + 2] == '!' ? 3 : 4;
    } else if (c == '/' && sql.substr(i, 2) == "/*") {
      const std::size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '?') {
      return i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

void append_literal(MYSQL* m, const value& v, std::string& out) {
  if (std::holds_alternative<std::monostate>(v)) {
    out += "NULL";
  } else if (const bool* b = std::get_if<bool>(&v)) {
    out += *b ? "TRUE" : "FALSE";
  } else if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (const double* d = std::get_if<double>(&v)) {
    std::string text = double_text(*d);  // finite: unsendable_parameter refused the others
    if (text.find_first_of("eE") == std::string::npos) text += "e0";  // a DOUBLE, not DECIMAL
    out += text;
  } else if (const std::string* s = std::get_if<std::string>(&v)) {
    std::string escaped(s->size() * 2 + 1, '\0');
    const unsigned long n = mysql_real_escape_string(m, escaped.data(), s->data(), s->size());
    escaped.resize(n);
    out += '\'';
    out += escaped;
    out += '\'';
  } else if (const bytes* raw = std::get_if<bytes>(&v)) {
    static const char* hex = "0123456789ABCDEF";
    out += "X'";
    for (std::uint8_t byte : raw->data) {
      out += hex[byte >> 4];
      out += hex[byte & 15];
    }
    out += '\'';
  }
}

}  // namespace

std::optional<std::string> unsendable_parameter(std::span<const value> params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double* d = std::get_if<double>(&params[i]);
    if (d != nullptr && !std::isfinite(*d))
      return "parameter " + std::to_string(i + 1) + " is " + double_text(*d) +
             ", which MariaDB and MySQL have no value for";
  }
  return std::nullopt;
}

std::optional<std::string> mysql_interpolate(MYSQL* m, std::string_view sql,
                                             std::span<const value> params, std::string& error) {
  if (std::optional<std::string> why = unsendable_parameter(params)) {
    error = std::move(*why);
    return std::nullopt;
  }
  std::size_t markers = 0;
  for (std::size_t at = next_placeholder(sql, 0); at != std::string_view::npos;
       at = next_placeholder(sql, at + 1))
    ++markers;
  if (markers != params.size()) {
    error = wrong_parameter_count_message(markers, params.size());
    return std::nullopt;
  }
  std::string out;
  out.reserve(sql.size() + params.size() * 16);
  std::size_t from = 0, used = 0;
  for (std::size_t at = next_placeholder(sql, 0); at != std::string_view::npos;
       at = next_placeholder(sql, from)) {
    out.append(sql.substr(from, at - from));
    append_literal(m, params[used++], out);
    from = at + 1;
  }
  out.append(sql.substr(from));
  return out;
}

void read_mysql_columns(MYSQL_RES* res, query_result& out) {
  const unsigned int columns = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  out.columns.clear();
  for (unsigned int c = 0; c < columns; ++c) out.columns.emplace_back(fields[c].name);
  out.rows.reserve(out.rows.size() + mysql_num_rows(res));
}

void append_mysql_row(MYSQL_RES* res, MYSQL_ROW r, query_result& out) {
  const unsigned int columns = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  const unsigned long* lengths = mysql_fetch_lengths(res);
  row values;
  values.reserve(columns);
  for (unsigned int c = 0; c < columns; ++c) {
    if (r[c] == nullptr)
      values.emplace_back(std::monostate{});
    else
      values.push_back(decode(fields[c], r[c], lengths[c]));
  }
  out.rows.push_back(std::move(values));
}

mysql_stmt_params::mysql_stmt_params(std::span<const value> params)
    : binds_(params.size()),
      integers_(params.size()),
      doubles_(params.size()),
      flags_(params.size()) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds_[i];
    std::memset(&b, 0, sizeof b);
    const value& v = params[i];
    if (std::holds_alternative<std::monostate>(v)) {
      b.buffer_type = MYSQL_TYPE_NULL;
    } else if (const bool* flag = std::get_if<bool>(&v)) {
      flags_[i] = *flag ? 1 : 0;
      b.buffer_type = MYSQL_TYPE_TINY;
      b.buffer = &flags_[i];
    } else if (const std::int64_t* n = std::get_if<std::int64_t>(&v)) {
      integers_[i] = *n;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &integers_[i];
    } else if (const double* d = std::get_if<double>(&v)) {
      doubles_[i] = *d;
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = &doubles_[i];
    } else if (const std::string* s = std::get_if<std::string>(&v)) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(s->data());  // the library only reads parameters
      b.buffer_length = s->size();
    } else if (const bytes* raw = std::get_if<bytes>(&v)) {
      b.buffer_type = MYSQL_TYPE_BLOB;
      b.buffer = const_cast<std::uint8_t*>(bytes_address(*raw));
      b.buffer_length = raw->data.size();
    }
  }
}

mysql_stmt_rows::mysql_stmt_rows(MYSQL_STMT* stmt, MYSQL_RES* metadata, query_result& out)
    : stmt_(stmt),
      columns_(mysql_num_fields(metadata)),
      fields_(mysql_fetch_fields(metadata)),
      out_(out),
      cells_(columns_),
      binds_(columns_) {
  out.columns.clear();
  for (unsigned int c = 0; c < columns_; ++c) out.columns.emplace_back(fields_[c].name);
  for (unsigned int c = 0; c < columns_; ++c) {
    MYSQL_BIND& b = binds_[c];
    std::memset(&b, 0, sizeof b);
    const kind k = kind_of(fields_[c]);
    if (k == kind::integer) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.is_unsigned = (fields_[c].flags & UNSIGNED_FLAG) != 0;
      cells_[c].buffer.resize(sizeof(std::int64_t));
    } else if (k == kind::real) {
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      cells_[c].buffer.resize(sizeof(double));
    } else {
      b.buffer_type = k == kind::text ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
      // The column's declared length, within bounds: a longer value is fetched whole.
      cells_[c].buffer.resize(std::clamp<std::size_t>(fields_[c].length, 64, 4096) + 1);
    }
    b.buffer = cells_[c].buffer.data();
    b.buffer_length = cells_[c].buffer.size();
    b.length = &cells_[c].length;
    b.is_null = &cells_[c].is_null;
    b.error = &cells_[c].truncated;
  }
}

bool mysql_stmt_rows::bind(std::string& error) {
  if (columns_ > 0 && mysql_stmt_bind_result(stmt_, binds_.data())) {
    error = mysql_stmt_error(stmt_);
    return false;
  }
  return true;
}

bool mysql_stmt_rows::read_row(std::string& error) {
  row values;
  values.reserve(columns_);
  for (unsigned int c = 0; c < columns_; ++c) {
    column& cell = cells_[c];
    if (cell.is_null) {
      values.emplace_back(std::monostate{});
      continue;
    }
    const kind k = kind_of(fields_[c]);
    if (k == kind::integer) {
      if (binds_[c].is_unsigned) {
        std::uint64_t u = 0;
        std::memcpy(&u, cell.buffer.data(), sizeof u);
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          values.emplace_back(std::to_string(u));
        else
          values.emplace_back(static_cast<std::int64_t>(u));
      } else {
        std::int64_t v = 0;
        std::memcpy(&v, cell.buffer.data(), sizeof v);
        values.emplace_back(v);
      }
      continue;
    }
    if (k == kind::real) {
      double d = 0;
      std::memcpy(&d, cell.buffer.data(), sizeof d);
      values.emplace_back(d);
      continue;
    }
    const char* data = cell.buffer.data();
    std::vector<char> whole;
    if (cell.length > cell.buffer.size()) {  // longer than the buffer: fetch it whole
      whole.resize(cell.length);
      MYSQL_BIND again;
      std::memset(&again, 0, sizeof again);
      again.buffer_type = binds_[c].buffer_type;
      again.buffer = whole.data();
      again.buffer_length = whole.size();
      if (mysql_stmt_fetch_column(stmt_, &again, c, 0)) {
        error = mysql_stmt_error(stmt_);
        return false;
      }
      data = whole.data();
    }
    values.push_back(decode(fields_[c], data, cell.length));
  }
  out_.rows.push_back(std::move(values));
  return true;
}

}  // namespace outpools::rdbms
