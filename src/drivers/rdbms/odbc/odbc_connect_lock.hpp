// odbc_connect_lock.hpp — which ODBC connects must not overlap, and the lock they take.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace outpools::rdbms {

/// True when SQLDriverConnect with the connection string `settings` reaches psqlODBC, whose
/// connect calls setlocale(LC_CTYPE, "") and reads the name it returns (another thread's
/// setlocale frees it: not thread-safe), or when that cannot be told. Looks at the first of
/// DRIVER= and DSN= (a DSN's Driver in odbc.ini, a driver name's library in odbcinst.ini, as
/// unixODBC finds them); psqlODBC is a library named psqlodbc*. False for every connection string
/// while the environment variable PGCLIENTENCODING is set and not empty: psqlODBC then takes the
/// encoding from it and calls no setlocale. Reads the ini files and the environment: call it on a
/// connection's own thread. Thread-safe (as long as nothing changes the environment meanwhile).
bool connect_is_serialised(std::string_view settings);

/// The process-wide lock that serialised connects hold during SQLDriverConnect. Thread-safe.
std::timed_mutex& serialised_connect_mutex();

}  // namespace outpools::rdbms
