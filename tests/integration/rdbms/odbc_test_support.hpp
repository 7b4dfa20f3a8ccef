// odbc_test_support.hpp — TOML for odbc pools on the data sources of scripts/services.
#pragma once

#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {

/// Points unixODBC at the services' odbcinst.ini and odbc.ini (ODBCSYSINI, ODBCINI), so that the
/// DSNs resolve in this process. Also loads every driver library listed there for good
/// (RTLD_NODELETE): unixODBC unloads a driver with its last connection, and LeakSanitizer then
/// reports the driver's own static allocations (SQLite's, psqlODBC's) as leaks of ours.
inline void use_services_odbc_ini() {
  const std::string dir = service("ODBCSYSINI");
  ::setenv("ODBCSYSINI", dir.c_str(), 1);
  ::setenv("ODBCINI", service("ODBCINI").c_str(), 1);
  std::ifstream drivers(dir + "/odbcinst.ini");
  for (std::string line; std::getline(drivers, line);) {
    if (line.rfind("Driver", 0) != 0) continue;
    const std::size_t at = line.find('/');
    if (at != std::string::npos) ::dlopen(line.substr(at).c_str(), RTLD_NOW | RTLD_NODELETE);
  }
}

/// `[outgoing_pools.rdbms.default]` with the given pool options (TOML lines) and an odbc
/// connection to the DSN named by `dsn_variable` (OUTPOOLS_ODBC_PG_DSN, ..._SQLITE_DSN, ...);
/// `settings_tail` (";Key=value" pairs) is appended to the connection string after the DSN.
inline std::string odbc_toml(const std::string& pool_lines,
                             const std::string& dsn_variable = "OUTPOOLS_ODBC_PG_DSN",
                             const std::string& connection_lines = "",
                             const std::string& settings_tail = "") {
  use_services_odbc_ini();
  return "[outgoing_pools.rdbms.default]\n" + pool_lines +
         "\n[outgoing_pools.rdbms.default.connection]\n"
         "driver = \"odbc\"\n"
         "settings = \"DSN=" +
         service(dsn_variable) + settings_tail + "\"\n" + connection_lines + "\n";
}

}  // namespace outpools::testing
