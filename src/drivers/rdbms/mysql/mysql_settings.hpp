// mysql_settings.hpp — what a MariaDB Connector/C handle needs to connect, from a pool spec.
#pragma once

#include <mysql.h>

#include <chrono>
#include <optional>
#include <string>

#include "outpools/pool_spec.hpp"

namespace outpools::rdbms {

/// The connection parameters of a mysql pool, copied out of its spec (so that a side thread
/// can hold them after the connection is gone). Immutable once built; safe to read from any
/// thread. Holds the password: never print it.
struct mysql_settings {
  std::string host, user, database;
  std::optional<std::string> password;
  unsigned int port = 3306;
  std::optional<tls_options> tls;
  std::chrono::milliseconds connect_timeout{5000};

  static mysql_settings from(const pool_spec& spec);
};

/// Calls mysql_library_init once per process (it is not thread-safe by itself). Thread-safe.
void mysql_library_once();

/// The authentication plugins a server may switch a connection to unless it has TLS to a
/// verified server: those that never send the password as it is.
inline constexpr const char* password_safe_auth_plugins =
    "mysql_native_password,client_ed25519,caching_sha2_password,sha256_password";

/// A new handle with the settings' options applied (TLS, timeouts, utf8mb4, multi results, the
/// password-safe plugins only without tls.verify_peer), MYSQL_OPT_NONBLOCK when `nonblocking`. Null
/// when out of memory. The caller owns it (mysql_close). Thread-safe.
MYSQL* mysql_new_handle(const mysql_settings& s, bool nonblocking);

/// Puts the socket of `m` (if it has one) back in non-blocking mode. Connector/C makes it
/// blocking again once its TCP connect is done; without TLS its non-blocking API reads and
/// writes with MSG_DONTWAIT all the same, but with TLS OpenSSL reads the descriptor itself, so
/// a blocking one held the I/O thread until the server answered: a statement under way ran past
/// call_timeout and a frozen server froze every worker of that thread. Call it before each
/// mysql_real_connect_cont of a TLS connect and once the connect is done. No errors (a failed
/// fcntl leaves the mode as it was). Not thread-safe for `m`.
void mysql_keep_nonblocking(MYSQL* m) noexcept;

/// Ends a non-blocking connect of `m` still under way (its last mysql_real_connect_start or
/// _cont returned `status`, not 0), so that mysql_close afterwards releases its socket: until
/// the connect ends, Connector/C holds that socket where mysql_close does not look (it leaked
/// one descriptor per attempt given up). The socket is shut first, so each further step fails
/// at once; at most 64 steps, none of which blocks. Not thread-safe for `m`.
void mysql_end_connect(MYSQL* m, int status) noexcept;

/// What became of a KILL QUERY sent from a side connection.
enum class kill_outcome {
  answered,    ///< the server answered it (done, or an error such as "unknown thread")
  not_sent,    ///< no side connection could be made: nothing reached the server
  unanswered,  ///< sent, but no answer within connect_timeout: it may still run, later
};

/// How long mysql_kill_query may take at most: each of its steps is bounded by
/// connect_timeout rounded up to whole seconds (Connector/C's timeouts are in seconds): its
/// connect and log-in, then the answer to the KILL. What a pool's stop waits for it at most.
std::chrono::milliseconds kill_query_bound(const mysql_settings& s) noexcept;

/// Opens a blocking side connection to `host` (the address, or name, the statement's own
/// connection went to: a name that resolves to several servers could reach another one) and
/// sends `KILL QUERY thread_id`; every step is bounded by the settings' connect_timeout.
/// Blocks: run it on a thread of its own. Thread-safe.
kill_outcome mysql_kill_query(const mysql_settings& s, const std::string& host,
                              unsigned long thread_id) noexcept;

}  // namespace outpools::rdbms
