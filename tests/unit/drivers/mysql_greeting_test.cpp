// The TLS capability of a MySQL handshake, read from the bytes a server sent first.
#include "drivers/rdbms/mysql/mysql_greeting.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace outpools::rdbms {
namespace {

// A protocol 10 handshake packet as MariaDB sends it, with `flags` as its low capability bytes.
std::vector<std::uint8_t> greeting(std::uint16_t flags, const std::string& version = "10.11.6") {
  std::vector<std::uint8_t> payload{10};
  payload.insert(payload.end(), version.begin(), version.end());
  payload.push_back(0);
  for (int i = 0; i < 4; ++i) payload.push_back(static_cast<std::uint8_t>(i + 1));  // id
  for (int i = 0; i < 8; ++i) payload.push_back('a');                               // scramble
  payload.push_back(0);                                                             // filler
  payload.push_back(static_cast<std::uint8_t>(flags & 0xFF));
  payload.push_back(static_cast<std::uint8_t>(flags >> 8));
  for (int i = 0; i < 20; ++i) payload.push_back(0x21);  // the rest of a real handshake
  std::vector<std::uint8_t> packet{static_cast<std::uint8_t>(payload.size()), 0, 0, 0};
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

TEST(mysql_greeting, client_ssl_in_the_flags_is_tls_offered) {
  EXPECT_EQ(read_greeting_tls(greeting(0xF7FF | 0x0800)), greeting_tls::offered);
  EXPECT_EQ(read_greeting_tls(greeting(0x0800)), greeting_tls::offered);
}

TEST(mysql_greeting, flags_without_client_ssl_are_tls_not_offered) {
  EXPECT_EQ(read_greeting_tls(greeting(0xF7FF)), greeting_tls::not_offered);
  EXPECT_EQ(read_greeting_tls(greeting(0)), greeting_tls::not_offered);
}

TEST(mysql_greeting, every_prefix_short_of_the_flags_is_incomplete) {
  const std::vector<std::uint8_t> full = greeting(0x0800);
  const std::size_t flags_end = 4 + 1 + 8 + 4 + 8 + 1 + 2;  // header, 10, "10.11.6\0", ...
  for (std::size_t n = 0; n < flags_end; ++n)
    EXPECT_EQ(read_greeting_tls(std::span(full).first(n)), greeting_tls::incomplete) << n;
  EXPECT_EQ(read_greeting_tls(std::span(full).first(flags_end)), greeting_tls::offered);
}

TEST(mysql_greeting, an_error_packet_or_another_protocol_is_not_a_greeting) {
  // "Too many connections": 0xFF, error code 1040, message.
  const std::vector<std::uint8_t> error{0x17, 0, 0, 0, 0xFF, 0x10, 0x04, 'T', 'o', 'o'};
  EXPECT_EQ(read_greeting_tls(error), greeting_tls::not_a_greeting);
  std::vector<std::uint8_t> protocol9 = greeting(0x0800);
  protocol9[4] = 9;
  EXPECT_EQ(read_greeting_tls(protocol9), greeting_tls::not_a_greeting);
}

TEST(mysql_greeting, a_handshake_that_ends_before_its_flags_offers_no_tls) {
  // The whole packet is there and holds no capability flags (a pre-4.1 style handshake).
  const std::vector<std::uint8_t> short_one{8, 0, 0, 0, 10, '5', 0, 1, 2, 3, 4, 'a'};
  EXPECT_EQ(read_greeting_tls(short_one), greeting_tls::not_offered);
  // A version with no NUL in a complete packet: no flags either.
  const std::vector<std::uint8_t> no_nul{4, 0, 0, 0, 10, '5', '.', '5'};
  EXPECT_EQ(read_greeting_tls(no_nul), greeting_tls::not_offered);
}

}  // namespace
}  // namespace outpools::rdbms
