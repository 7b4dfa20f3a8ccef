// bytes_address.hpp — where a driver library reads a bytes value from.
#pragma once

#include <cstdint>

#include "outpools/rdbms/value.hpp"

namespace outpools::rdbms {

/// The address to give a C library for `raw`'s bytes: never null, also for no bytes, which an
/// empty vector's data() is — MariaDB Connector/C and the ODBC drivers read a null buffer as
/// NULL (MariaDB ODBC, Connector/C's prepared statements) or refuse it (psqlODBC: "unexpected
/// NULL parameter value"). Pure; any thread.
inline const std::uint8_t* bytes_address(const bytes& raw) noexcept {
  static constexpr std::uint8_t none = 0;
  return raw.data.empty() ? &none : raw.data.data();
}

}  // namespace outpools::rdbms
