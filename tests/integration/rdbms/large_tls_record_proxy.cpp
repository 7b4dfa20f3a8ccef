#include "integration/rdbms/large_tls_record_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace outpools::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::size_t largest_record = 16384;  // TLS's largest plaintext per record
constexpr std::uint32_t ssl_request_code = 80877103;

// Whether `bytes` ends where a message of the server's ends, that message being one after which
// the server waits for the client: ReadyForQuery ('Z') or an authentication request ('R').
bool ends_an_answer(const std::string& bytes) {
  std::size_t at = 0;
  char last = 0;
  while (bytes.size() - at >= 5) {
    const auto byte = [&](std::size_t i) { return std::uint32_t{std::uint8_t(bytes[at + i])}; };
    const std::uint32_t length = (byte(1) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4);
    if (bytes.size() - at - 1 < length) return false;
    last = bytes[at];
    at += 1 + length;
  }
  return at == bytes.size() && (last == 'Z' || last == 'R');
}
}  // namespace

struct large_tls_record_proxy::state {
  struct session;
  state(int target, const std::string& certfile, const std::string& keyfile)
      : target_port(target),
        tls(asio::ssl::context::tls_server),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    tls.use_certificate_chain_file(certfile);
    tls.use_private_key_file(keyfile, asio::ssl::context::pem);
    port = acceptor.local_endpoint().port();
    accept();
    thread = std::thread([this] { io.run(); });
  }
  void accept();

  int target_port;
  asio::io_context io;
  asio::ssl::context tls;
  tcp::acceptor acceptor;
  int port = 0;
  std::atomic<int> full_records{0};
  std::mutex mutex;
  std::vector<std::weak_ptr<session>> sessions;
  std::thread thread;
};

// One client: its SSLRequest, the TLS handshake, then both directions copied, the server's
// answers gathered and written whole.
struct large_tls_record_proxy::state::session : std::enable_shared_from_this<session> {
  session(tcp::socket c, state& s) : client(std::move(c), s.tls), server(s.io), owner(s) {}

  void start() {
    asio::async_read(
        client.next_layer(), asio::buffer(head), [self = shared_from_this()](auto ec, std::size_t) {
          if (ec) return;
          const std::uint32_t code = (std::uint32_t{self->head[4]} << 24) |
                                     (std::uint32_t{self->head[5]} << 16) |
                                     (std::uint32_t{self->head[6]} << 8) | self->head[7];
          if (code != ssl_request_code) return self->close();
          asio::async_write(self->client.next_layer(), asio::buffer("S", 1),
                            [self](auto e, std::size_t) {
                              if (e) return self->close();
                              self->handshake();
                            });
        });
  }

  void handshake() {
    client.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](auto ec) {
      if (ec) return self->close();
      self->server.async_connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                        static_cast<unsigned short>(self->owner.target_port)),
          [self](auto error) {
            if (error) return self->close();
            self->up();
            self->down();
          });
    });
  }

  void up() {
    client.async_read_some(
        asio::buffer(up_buffer), [self = shared_from_this()](auto ec, std::size_t n) {
          if (ec) return self->close();
          asio::async_write(self->server, asio::buffer(self->up_buffer.data(), n),
                            [self](auto e, std::size_t) {
                              if (e) return self->close();
                              self->up();
                            });
        });
  }

  void down() {
    server.async_read_some(asio::buffer(down_buffer),
                           [self = shared_from_this()](auto ec, std::size_t n) {
                             if (ec) return self->close();
                             self->answer.append(self->down_buffer.data(), n);
                             if (!ends_an_answer(self->answer)) return self->down();
                             self->write_answer();
                           });
  }

  // The answer in two writes: all but its last 16 KiB (records of 16 KiB and a smaller one),
  // then that last 16 KiB as one record.
  void write_answer() {
    sending = std::move(answer);
    answer.clear();
    const std::size_t tail = std::min(sending.size(), largest_record);
    const std::size_t head_size = sending.size() - tail;
    if (tail == largest_record) ++owner.full_records;
    asio::async_write(client, asio::buffer(sending.data(), head_size),
                      [self = shared_from_this(), head_size, tail](auto ec, std::size_t) {
                        if (ec) return self->close();
                        asio::async_write(self->client,
                                          asio::buffer(self->sending.data() + head_size, tail),
                                          [self](auto e, std::size_t) {
                                            if (e) return self->close();
                                            self->down();
                                          });
                      });
  }

  void close() {
    boost::system::error_code ignored;
    client.next_layer().close(ignored);
    server.close(ignored);
  }

  asio::ssl::stream<tcp::socket> client;
  tcp::socket server;
  state& owner;
  std::array<std::uint8_t, 8> head{};
  std::array<char, 16384> up_buffer{}, down_buffer{};
  std::string answer, sending;
};

void large_tls_record_proxy::state::accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    auto s = std::make_shared<session>(std::move(socket), *this);
    {
      std::lock_guard lock(mutex);
      sessions.push_back(s);
    }
    s->start();
    accept();
  });
}

large_tls_record_proxy::large_tls_record_proxy(int target_port, const std::string& certfile,
                                               const std::string& keyfile)
    : state_(std::make_unique<state>(target_port, certfile, keyfile)) {}

large_tls_record_proxy::~large_tls_record_proxy() {
  asio::post(state_->io, [s = state_.get()] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
    std::lock_guard lock(s->mutex);
    for (auto& weak : s->sessions)
      if (auto session = weak.lock()) session->close();
  });
  // Runs until every session's handlers have ended (closed sockets end their operations).
  state_->thread.join();
}

int large_tls_record_proxy::port() const { return state_->port; }

int large_tls_record_proxy::full_records_written() const { return state_->full_records.load(); }

}  // namespace outpools::testing
