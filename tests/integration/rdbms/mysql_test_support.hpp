// mysql_test_support.hpp — TOML for mysql pools against the servers of scripts/services.
#pragma once

#include <string>

#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {

/// `[outgoing_pools.rdbms.default]` with the given pool options (TOML lines) and a mysql
/// connection to the plain MariaDB (extra connection lines appended; `host` replaces the
/// server's address, e.g. "localhost" to match the test certificate).
inline std::string mysql_toml(const std::string& pool_lines,
                              const std::string& connection_lines = "",
                              const std::string& port_variable = "OUTPOOLS_MYSQL_PORT",
                              const std::string& host = "") {
  return "[outgoing_pools.rdbms.default]\n" + pool_lines +
         "\n[outgoing_pools.rdbms.default.connection]\n"
         "driver = \"mysql\"\n"
         "host = \"" +
         (host.empty() ? service("OUTPOOLS_MYSQL_HOST") : host) +
         "\"\n"
         "port = " +
         service(port_variable) +
         "\n"
         "database = \"" +
         service("OUTPOOLS_MYSQL_DATABASE") +
         "\"\n"
         "username = \"" +
         service("OUTPOOLS_MYSQL_USER") +
         "\"\n"
         "password = \"" +
         service("OUTPOOLS_MYSQL_PASSWORD") + "\"\n" + connection_lines + "\n";
}

/// The TLS table for mysql_toml's connection_lines: verify_peer with `ca_variable`'s file.
inline std::string mysql_tls_lines(const std::string& ca_variable) {
  return "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\ncacertfile = \"" +
         service(ca_variable) + "\"";
}

}  // namespace outpools::testing
