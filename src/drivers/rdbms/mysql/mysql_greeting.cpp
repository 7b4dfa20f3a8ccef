#include "drivers/rdbms/mysql/mysql_greeting.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>

#include <sys/socket.h>

#include "drivers/rdbms/tcp_connect_bound.hpp"

namespace outpools::rdbms {

greeting_tls read_greeting_tls(std::span<const std::uint8_t> bytes) noexcept {
  constexpr std::size_t header = 4;
  constexpr std::uint16_t client_ssl = 0x0800;
  if (bytes.size() < header + 1) return greeting_tls::incomplete;
  const std::size_t length =
      bytes[0] | (std::size_t{bytes[1]} << 8) | (std::size_t{bytes[2]} << 16);
  const std::span<const std::uint8_t> payload =
      bytes.subspan(header, std::min(length, bytes.size() - header));
  if (length == 0 || payload[0] != 10) return greeting_tls::not_a_greeting;  // 0xFF: an error
  const auto version_end = std::find(payload.begin() + 1, payload.end(), std::uint8_t{0});
  if (version_end == payload.end())
    return payload.size() < length ? greeting_tls::incomplete : greeting_tls::not_offered;
  // After the version's NUL: connection id, the scramble's first 8 bytes, a filler byte.
  const std::size_t flags_at =
      static_cast<std::size_t>(version_end - payload.begin()) + 1 + 4 + 8 + 1;
  if (flags_at + 2 > length) return greeting_tls::not_offered;  // a handshake without the flags
  if (flags_at + 2 > payload.size()) return greeting_tls::incomplete;
  const std::uint16_t flags =
      static_cast<std::uint16_t>(payload[flags_at] | (payload[flags_at + 1] << 8));
  return (flags & client_ssl) != 0 ? greeting_tls::offered : greeting_tls::not_offered;
}

greeting_tls peek_greeting_tls(int fd) noexcept {
  // Refused or reset: a recv would take the socket's error away, and the library report a lost
  // handshake instead of the refusal.
  if (fd < 0 || tcp_connection_closed(fd)) return greeting_tls::not_a_greeting;
  std::array<std::uint8_t, 512> bytes{};
  const ssize_t n = ::recv(fd, bytes.data(), bytes.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? greeting_tls::incomplete
                                                                     : greeting_tls::not_a_greeting;
  if (n == 0) return greeting_tls::not_a_greeting;  // closed: the library reports it
  const greeting_tls read = read_greeting_tls(std::span(bytes.data(), static_cast<std::size_t>(n)));
  if (read == greeting_tls::incomplete && static_cast<std::size_t>(n) == bytes.size())
    return greeting_tls::not_a_greeting;
  return read;
}

}  // namespace outpools::rdbms
