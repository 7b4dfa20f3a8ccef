// pgsql_values.hpp — rdbms values to libpq parameters, and libpq results (text format) to rows.
#pragma once

#include <libpq-fe.h>

#include <span>
#include <string>
#include <vector>

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// The four parallel arrays PQsendQueryParams takes, owning their strings.
class pgsql_params {
 public:
  int count() const noexcept { return static_cast<int>(values_.size()); }
  const Oid* types() const noexcept { return types_.data(); }
  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }
  /// Why a value cannot be sent as it is (a text holding a NUL byte, which libpq would cut
  /// there); empty when every value can.
  const std::string& refused() const noexcept { return refused_; }

 private:
  friend pgsql_params encode_pgsql_params(std::span<const value> params);
  std::vector<std::string> storage_;
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::string refused_;
};

/// Text is sent untyped (OID 0, the server infers it); bool, int64 and double with their own
/// types; bytes as binary bytea; null as NULL. A text holding a NUL byte is refused (refused()
/// says which): libpq sends a text value up to its first NUL, and PostgreSQL's text types cannot
/// hold one.
pgsql_params encode_pgsql_params(std::span<const value> params);

/// Appends rows [first, first + count) of a text-format result (fewer at its end) to `out.rows`,
/// and sets `out.columns` when `first` is 0; values typed by the column's OID (bool, integers,
/// float4/8, bytea; everything else, numeric included, as text). Returns the next row to read:
/// PQntuples(res) once every row is read. A large result is read in slices this way so that the
/// I/O thread runs its timers in between. No I/O.
int read_pgsql_rows(const PGresult* res, query_result& out, int first, int count);

}  // namespace outpools::rdbms
