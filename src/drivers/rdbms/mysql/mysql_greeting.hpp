// mysql_greeting.hpp — what the server's first packet (the protocol 10 handshake) says about TLS,
// read before Connector/C answers it with the login.
#pragma once

#include <cstdint>
#include <span>

namespace outpools::rdbms {

enum class greeting_tls : std::uint8_t {
  offered,         ///< the capability flags hold CLIENT_SSL
  not_offered,     ///< a handshake without CLIENT_SSL: the login would go in plain text
  incomplete,      ///< fewer bytes than the flags need: read again once more arrived
  not_a_greeting,  ///< an error packet or another protocol: Connector/C reports it, no login
};

/// Reads `bytes`, the start of what the server sent on a new connection (a MSG_PEEK of it), as
/// a MySQL packet: 3-byte length, sequence number, then the handshake (protocol version 10,
/// server version NUL-terminated, connection id 4, scramble 8, filler 1, capability flags low
/// 2 bytes). Pure; any thread.
greeting_tls read_greeting_tls(std::span<const std::uint8_t> bytes) noexcept;

/// read_greeting_tls of what socket `fd` holds now, peeked (MSG_PEEK, never blocking: the
/// library reads it afterwards): `incomplete` when nothing or too little has arrived yet;
/// `not_a_greeting` when the connection failed or ended — refused, reset (left unread, so the
/// library reads the error and says it) or closed — or sent more than a greeting's worth of
/// something else. Any thread.
greeting_tls peek_greeting_tls(int fd) noexcept;

}  // namespace outpools::rdbms
