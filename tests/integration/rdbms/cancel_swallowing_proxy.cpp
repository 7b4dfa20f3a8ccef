#include "integration/rdbms/cancel_swallowing_proxy.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <future>
#include <string_view>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace outpools::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

// One client connection: its first 8 bytes (length, code) decide; then both directions are
// copied until either side closes.
struct cancel_swallowing_proxy::session : std::enable_shared_from_this<session> {
  session(tcp::socket c, cancel_swallowing_proxy& p)
      : client(std::move(c)),
        server(client.get_executor()),
        delay(client.get_executor()),
        proxy(p) {}

  void start() {
    if (proxy.protocol_ == protocol::mysql) return connect_and_pipe(0);
    asio::async_read(client, asio::buffer(head), [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return;
      const std::uint32_t code = (std::uint32_t{self->head[4]} << 24) |
                                 (std::uint32_t{self->head[5]} << 16) |
                                 (std::uint32_t{self->head[6]} << 8) | self->head[7];
      if (code == 80877102) {  // CancelRequest: held, never answered, or forwarded late
        ++self->proxy.held_;
        return self->later([self] { self->connect_and_pipe(self->head.size()); });
      }
      self->connect_and_pipe(self->head.size());
    });
  }

  // Connects to the server, sends it the first `head_bytes` of head, then copies both ways.
  void connect_and_pipe(std::size_t head_bytes) {
    server.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                       static_cast<unsigned short>(proxy.target_port_)),
                         [self = shared_from_this(), head_bytes](auto error) {
                           if (error) return self->close();
                           asio::async_write(self->server,
                                             asio::buffer(self->head.data(), head_bytes),
                                             [self](auto e, std::size_t) {
                                               if (e) return self->close();
                                               self->pipe(self->client, self->server, self->up);
                                               self->pipe(self->server, self->client, self->down);
                                             });
                         });
  }

  // mysql: whether this chunk from the client holds a KILL QUERY (a statement that small
  // comes in one piece).
  bool holds_a_kill(const char* data, std::size_t n) const {
    return proxy.protocol_ == protocol::mysql &&
           std::string_view(data, n).find("KILL QUERY") != std::string_view::npos;
  }

  void pipe(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buffer) {
    from.async_read_some(asio::buffer(buffer),
                         [self = shared_from_this(), &from, &to, &buffer](auto ec, std::size_t n) {
                           if (ec) return self->close();
                           const auto forward = [self, &from, &to, &buffer, n] {
                             asio::async_write(to, asio::buffer(buffer.data(), n),
                                               [self, &from, &to, &buffer](auto e, std::size_t) {
                                                 if (e) return self->close();
                                                 self->pipe(from, to, buffer);
                                               });
                           };
                           if (&from == &self->client && self->holds_a_kill(buffer.data(), n)) {
                             ++self->proxy.held_;  // held: never forwarded, or forwarded late
                             return self->later(forward);
                           }
                           forward();
                         });
  }

  // Runs `then` after the proxy's delay; never when it has none (the request is held).
  template <typename Then>
  void later(Then then) {
    if (!proxy.delay_) return;
    delay.expires_after(*proxy.delay_);
    delay.async_wait([self = shared_from_this(), then](auto ec) {
      if (!ec) then();
    });
  }

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
    delay.cancel();
  }

  tcp::socket client, server;
  asio::steady_timer delay;
  cancel_swallowing_proxy& proxy;
  std::array<std::uint8_t, 8> head{};
  std::array<char, 16384> up{}, down{};
};

cancel_swallowing_proxy::cancel_swallowing_proxy(int target_port, protocol p,
                                                 std::optional<std::chrono::milliseconds> delay)
    : target_port_(target_port),
      protocol_(p),
      delay_(delay),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

cancel_swallowing_proxy::~cancel_swallowing_proxy() {
  if (backlog_filler_ >= 0) ::close(backlog_filler_);
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    std::lock_guard lock(mutex_);
    for (auto& s : sessions_) s->close();
  });
  // Run until every session's handlers have ended (closed sockets end their operations).
  running_.reset();
  thread_.join();
}

void cancel_swallowing_proxy::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto s = std::make_shared<session>(std::move(socket), *this);
    {
      std::lock_guard lock(mutex_);
      sessions_.push_back(s);
    }
    s->start();
    if (!holding_) accept();
  });
}

void cancel_swallowing_proxy::hold_new_connections() {
  std::promise<void> stopped;
  asio::post(io_, [this, &stopped] {
    holding_ = true;
    boost::system::error_code ignored;
    acceptor_.cancel(ignored);
    // A backlog of 0 is full with one connection waiting in it: then Linux drops SYNs.
    ::listen(acceptor_.native_handle(), 0);
    stopped.set_value();
  });
  stopped.get_future().wait();
  backlog_filler_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<unsigned short>(port_));
  (void)::connect(backlog_filler_, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

void cancel_swallowing_proxy::let_new_connections_in() {
  std::promise<void> resumed;
  asio::post(io_, [this, &resumed] {
    holding_ = false;
    ::listen(acceptor_.native_handle(), SOMAXCONN);
    accept();
    resumed.set_value();
  });
  resumed.get_future().wait();
  ::close(std::exchange(backlog_filler_, -1));  // its session ends with it
}

}  // namespace outpools::testing
