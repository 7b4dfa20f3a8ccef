#include "drivers/rdbms/pgsql/pgsql_values.hpp"

#include <algorithm>
#include <charconv>

#include "drivers/rdbms/number_text.hpp"

namespace outpools::rdbms {
namespace {

// Type OIDs of pg_type (stable across PostgreSQL versions).
constexpr Oid bool_oid = 16, bytea_oid = 17, int8_oid = 20, int2_oid = 21, int4_oid = 23,
              oid_oid = 26, float4_oid = 700, float8_oid = 701;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

value decode_bytea(const char* text, int length) {
  bytes out;
  if (length >= 2 && text[0] == '\\' && text[1] == 'x') {
    for (int i = 2; i + 1 < length; i += 2) {
      int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
      if (hi < 0 || lo < 0) break;
      out.data.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
  }
  size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
  if (raw) {
    out.data.assign(raw, raw + n);
    PQfreemem(raw);
  }
  return out;
}

value decode(Oid type, const char* text, int length) {
  switch (type) {
    case bool_oid:
      return length > 0 && text[0] == 't';
    case int2_oid:
    case int4_oid:
    case int8_oid:
    case oid_oid: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text, text + length, v);
      if (ec == std::errc() && end == text + length) return v;
      return std::string(text, static_cast<std::size_t>(length));
    }
    case float4_oid:
    case float8_oid:
      if (auto d = parse_double(std::string_view(text, static_cast<std::size_t>(length))))
        return *d;
      return std::string(text, static_cast<std::size_t>(length));
    case bytea_oid:
      return decode_bytea(text, length);
    default:
      return std::string(text, static_cast<std::size_t>(length));
  }
}

}  // namespace

pgsql_params encode_pgsql_params(std::span<const value> params) {
  pgsql_params p;
  p.storage_.reserve(params.size());
  for (const value& v : params) {
    Oid type = 0;
    int format = 0;
    std::string text;
    bool is_null = false;
    if (std::holds_alternative<std::monostate>(v)) {
      is_null = true;
    } else if (const bool* b = std::get_if<bool>(&v)) {
      type = bool_oid;
      text.assign(1, *b ? 't' : 'f');  // (assigning a literal trips GCC 12's -Wrestrict)
    } else if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) {
      type = int8_oid;
      text = std::to_string(*i);
    } else if (const double* d = std::get_if<double>(&v)) {
      type = float8_oid;
      text = double_text(*d);
    } else if (const std::string* s = std::get_if<std::string>(&v)) {
      if (p.refused_.empty() && s->find('\0') != std::string::npos)
        p.refused_ = "value " + std::to_string(p.storage_.size() + 1) +
                     " is a text holding a NUL byte, which PostgreSQL's text cannot hold (pass "
                     "it as bytes)";
      text = *s;
    } else if (const bytes* raw = std::get_if<bytes>(&v)) {
      type = bytea_oid;
      format = 1;
      text.assign(raw->data.begin(), raw->data.end());
    }
    p.storage_.push_back(std::move(text));
    p.types_.push_back(type);
    p.formats_.push_back(format);
    p.lengths_.push_back(static_cast<int>(p.storage_.back().size()));
    p.values_.push_back(is_null ? nullptr : p.storage_.back().c_str());
  }
  // storage_ was reserved: the c_str() pointers taken above stay valid.
  return p;
}

int read_pgsql_rows(const PGresult* res, query_result& out, int first, int count) {
  const int columns = PQnfields(res);
  const int rows = PQntuples(res);
  if (first == 0) {
    out.columns.clear();
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(res, c));
    out.rows.reserve(out.rows.size() + static_cast<std::size_t>(rows));
  }
  const int end = first + std::min(count, rows - first);
  for (int r = first; r < end; ++r) {
    row values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(res, r, c)) {
        values.emplace_back(std::monostate{});
      } else {
        values.push_back(decode(PQftype(res, c), PQgetvalue(res, r, c), PQgetlength(res, r, c)));
      }
    }
    out.rows.push_back(std::move(values));
  }
  return end;
}

}  // namespace outpools::rdbms
