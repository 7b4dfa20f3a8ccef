// mysql_dialog.hpp — what a pool answers the questions of Connector/C's dialog authentication
// plugin (MariaDB's PAM and others like it, allowed only with tls.verify_peer).
//
// The plugin sends the connection's password to the server's first password question by
// itself. Any other question it hands to a function the application may define,
// `mariadb_auth_dialog`, found with dlsym; without one it asks on the terminal — it prints the
// question on stdout and reads the answer from stdin or /dev/tty, on the thread that connects,
// which then waits for ever (an I/O thread: every worker on it). This library defines that
// function (exported from every executable linking outpools_rdbms, see its CMakeLists.txt): it
// answers nothing, so the plugin ends the handshake, and records the question for the error.
#pragma once

#include <mysql.h>

#include <string>

namespace outpools::rdbms {

/// The dialog question the server asked on `handle` that was refused, and forgets it; "" when
/// none was. Call it once the handshake has ended, before mysql_close(handle). Thread-safe.
std::string take_refused_dialog_question(MYSQL* handle) noexcept;

}  // namespace outpools::rdbms

/// Connector/C's dialog plugin's hook for the questions it does not answer itself (its
/// `mysql_authentication_dialog_ask_t`): records `prompt` for `mysql` and returns null, which
/// fails the handshake. Never reads a terminal. Thread-safe.
extern "C" char* mariadb_auth_dialog(MYSQL* mysql, int type, const char* prompt, char* buffer,
                                     int buffer_length);
