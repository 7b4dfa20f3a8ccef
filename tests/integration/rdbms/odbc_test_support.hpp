// odbc_test_support.hpp — TOML for odbc pools on the data sources of scripts/services.
#pragma once

#include <cstdlib>
#include <string>

#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {

/// Points unixODBC at the services' odbcinst.ini and odbc.ini (ODBCSYSINI, ODBCINI), so that the
/// DSNs resolve in this process.
inline void use_services_odbc_ini() {
  ::setenv("ODBCSYSINI", service("ODBCSYSINI").c_str(), 1);
  ::setenv("ODBCINI", service("ODBCINI").c_str(), 1);
}

/// `[outgoing_pools.rdbms.default]` with the given pool options (TOML lines) and an odbc
/// connection to the DSN named by `dsn_variable` (OUTPOOLS_ODBC_PG_DSN, ..._SQLITE_DSN, ...).
inline std::string odbc_toml(const std::string& pool_lines,
                             const std::string& dsn_variable = "OUTPOOLS_ODBC_PG_DSN",
                             const std::string& connection_lines = "") {
  use_services_odbc_ini();
  return "[outgoing_pools.rdbms.default]\n" + pool_lines +
         "\n[outgoing_pools.rdbms.default.connection]\n"
         "driver = \"odbc\"\n"
         "settings = \"DSN=" +
         service(dsn_variable) + "\"\n" + connection_lines + "\n";
}

}  // namespace outpools::testing
