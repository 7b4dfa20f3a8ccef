#include "integration/rdbms/fake_mysql_server.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace outpools::testing {
namespace {

void put16(std::string& out, unsigned v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}

std::string packet(std::uint8_t sequence, const std::string& payload) {
  std::string out;
  out += static_cast<char>(payload.size() & 0xFF);
  out += static_cast<char>((payload.size() >> 8) & 0xFF);
  out += static_cast<char>((payload.size() >> 16) & 0xFF);
  out += static_cast<char>(sequence);
  return out + payload;
}

// Protocol 10 handshake: version, id, scramble, flags (protocol 4.1, secure connection, plugin
// auth, multi results; CLIENT_SSL when TLS is offered), charset, status, auth plugin name.
std::string greeting(bool offers_tls) {
  std::string g(1, '\x0a');
  g += std::string("5.5.5-10.11.6-MariaDB-fake") + '\0';
  g += std::string("\x01\x00\x00\x00", 4);  // connection id
  g += "abcdefgh";                          // scramble, first 8 bytes
  g += '\0';                                // filler
  put16(g, 0xA20F | (offers_tls ? 0x0800 : 0));
  g += '\x2d';                              // utf8mb4_general_ci
  put16(g, 0x0002);                         // autocommit
  put16(g, 0x000B);                         // multi statements, multi results, plugin auth
  g += static_cast<char>(21);               // auth plugin data length
  g += std::string(10, '\0');               // reserved
  g += std::string("ijklmnopqrst") + '\0';  // scramble, the other 12 bytes
  g += std::string("mysql_native_password") + '\0';
  return packet(0, g);
}

// A client's connection: its socket, and its TLS once the client asked for it.
struct channel {
  int fd = -1;
  SSL* tls = nullptr;
  // Up to `size` bytes, waiting at most `patience`; 0 once the client closed or it passed.
  ssize_t receive(char* buffer, std::size_t size, std::chrono::milliseconds patience) {
    if (tls == nullptr || SSL_pending(tls) == 0) {
      pollfd p{fd, POLLIN, 0};
      if (patience.count() <= 0 || ::poll(&p, 1, static_cast<int>(patience.count())) <= 0) return 0;
    }
    if (tls == nullptr) return ::recv(fd, buffer, size, 0);
    const int n = SSL_read(tls, buffer, static_cast<int>(size));
    return n > 0 ? n : 0;
  }
  void send(const std::string& bytes) {
    if (tls == nullptr) {
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    } else {
      SSL_write(tls, bytes.data(), static_cast<int>(bytes.size()));
    }
  }
};

// One client packet, or nothing once the client closed or `patience` passed.
bool read_packet(channel& c, std::string& all, std::uint8_t& sequence,
                 std::chrono::milliseconds patience) {
  std::string got;
  const auto until = std::chrono::steady_clock::now() + patience;
  std::size_t need = 4;
  while (got.size() < need) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    char buffer[4096];
    const ssize_t n = c.receive(buffer, std::min(sizeof buffer, need - got.size()), left);
    if (n <= 0) return false;
    got.append(buffer, static_cast<std::size_t>(n));
    all.append(buffer, static_cast<std::size_t>(n));
    if (got.size() == 4) {
      need = 4 + (static_cast<std::uint8_t>(got[0]) | (static_cast<std::uint8_t>(got[1]) << 8) |
                  (static_cast<std::uint8_t>(got[2]) << 16));
      sequence = static_cast<std::uint8_t>(got[3]);
    }
  }
  return true;
}

}  // namespace

fake_mysql_server::fake_mysql_server(behaviour b) : behaviour_(b) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  socklen_t length = sizeof a;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
    ADD_FAILURE() << "cannot listen: " << strerror(errno);
    return;
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

fake_mysql_server::~fake_mysql_server() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
}

std::string fake_mysql_server::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

void fake_mysql_server::serve() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 5) <= 0) continue;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    ++accepted_;
    serve_one(client);
    ::close(client);
  }
}

void fake_mysql_server::serve_one(int client) {
  const bool tls = !behaviour_.tls_certfile.empty() && !behaviour_.tls_keyfile.empty();
  channel c{client, nullptr};
  c.send(greeting(behaviour_.offers_tls || tls));
  std::string all;
  std::uint8_t sequence = 0;
  const auto patience = std::chrono::milliseconds(1500);
  bool got = read_packet(c, all, sequence, patience);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(nullptr, &SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> session(nullptr, &SSL_free);
  // An SSL request: 4 bytes of header and 32 of payload, CLIENT_SSL (0x0800) in its flags.
  if (got && tls && all.size() == 36 && (static_cast<std::uint8_t>(all[5]) & 0x08) != 0) {
    context.reset(SSL_CTX_new(TLS_server_method()));
    if (!context ||
        SSL_CTX_use_certificate_chain_file(context.get(), behaviour_.tls_certfile.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(context.get(), behaviour_.tls_keyfile.c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      ADD_FAILURE() << "fake_mysql_server: cannot load " << behaviour_.tls_certfile;
      return;
    }
    session.reset(SSL_new(context.get()));
    SSL_set_fd(session.get(), client);
    if (SSL_accept(session.get()) != 1) return;  // the client refused the certificate
    c.tls = session.get();
    got = read_packet(c, all, sequence, patience);
  }
  const auto next = [&sequence] { return static_cast<std::uint8_t>(sequence + 1); };
  if (got && behaviour_.asks_clear_password) {
    c.send(packet(next(), std::string("\xfe") + "mysql_clear_password" + '\0'));
    while (read_packet(c, all, sequence, patience)) ++answers_to_the_switch_;
  } else if (got && !behaviour_.dialog_question.empty()) {
    c.send(packet(next(), std::string("\xfe") + "dialog" + '\0' + behaviour_.dialog_question));
    while (read_packet(c, all, sequence, patience)) ++answers_to_the_switch_;
  } else {
    while (got) got = read_packet(c, all, sequence, patience);
  }
  if (c.tls != nullptr) SSL_shutdown(c.tls);
  std::lock_guard lock(mutex_);
  received_ += all;
}

}  // namespace outpools::testing
