#include "integration/rdbms/slow_dns.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// The private resolver's DNS socket, bound for the process's lifetime: UDP port 53 on the first
// free one of 127.0.0.77..127.0.0.126 (test binaries run side by side, in one network
// namespace).
int dns_socket = -1;
std::string dns_address;

std::string bind_dns_socket() {
  for (int last = 77; last <= 126; ++last) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return std::string("socket: ") + strerror(errno);
    const std::string address = "127.0.0." + std::to_string(last);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      dns_socket = fd;
      dns_address = address;
      return {};
    }
    const int error = errno;
    ::close(fd);
    if (error != EADDRINUSE) return "cannot bind " + address + ":53: " + strerror(error);
  }
  return "no free address for the DNS server in 127.0.0.77..126";
}

// Enters a mount namespace of this process's own, with /etc/resolv.conf (naming the DNS
// socket's address) and /etc/hosts replaced by bind mounts. Empty on success, else why it
// could not.
std::string enter_private_resolver() {
  if (std::string why = bind_dns_socket(); !why.empty()) return why;
  if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("mount --make-rprivate /: ") + strerror(errno);
  char dir[] = "/tmp/outpools-dns-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return std::string("mkdtemp: ") + strerror(errno);
  const std::string resolv = std::string(dir) + "/resolv.conf";
  const std::string hosts = std::string(dir) + "/hosts";
  std::ofstream(resolv) << "nameserver " << dns_address << "\noptions timeout:10 attempts:1\n";
  std::ofstream(hosts) << "# localhost is left to the DNS\n";
  std::string why;
  if (::mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0)
    why = std::string("bind mount of /etc/resolv.conf: ") + strerror(errno);
  else if (::mount(hosts.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0)
    why = std::string("bind mount of /etc/hosts: ") + strerror(errno);
  // The mounts keep the files: nothing is left in /tmp.
  ::unlink(resolv.c_str());
  ::unlink(hosts.c_str());
  ::rmdir(dir);
  return why;
}

}  // namespace

const std::string private_resolver_error = enter_private_resolver();

// The answer to query `q` (n bytes): its header and question, and for an A query a record for
// each address.
std::vector<unsigned char> slow_dns_server::answer(const unsigned char* q, std::size_t n) const {
  if (n < 12) return {};
  std::size_t p = 12;
  while (p < n && q[p] != 0) p += q[p] + 1;
  if (p + 5 > n) return {};
  const int type = (q[p + 1] << 8) | q[p + 2];
  std::vector<unsigned char> r(q, q + p + 5);  // header and question
  r[2] = 0x81;                                 // a response, recursion desired
  r[3] = 0x80;                                 // recursion available, no error
  const std::size_t answers = type == 1 ? addresses_.size() : 0;
  r[6] = static_cast<unsigned char>(answers >> 8);
  r[7] = static_cast<unsigned char>(answers);
  r[8] = r[9] = r[10] = r[11] = 0;  // no authority, no additional records
  for (std::size_t i = 0; i < answers; ++i) {
    // The name (a pointer to the question's), A, IN, a TTL of 60 s, 4 bytes of address.
    const unsigned char head[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
    r.insert(r.end(), std::begin(head), std::end(head));
    in_addr a{};
    ::inet_pton(AF_INET, addresses_[i].c_str(), &a);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&a.s_addr);
    r.insert(r.end(), bytes, bytes + 4);
  }
  return r;
}

slow_dns_server::slow_dns_server(std::chrono::milliseconds delay,
                                 std::vector<std::string> addresses)
    : delay_(delay), addresses_(std::move(addresses)), fd_(dns_socket) {
  if (fd_ < 0) {
    ADD_FAILURE() << "no DNS socket: " << private_resolver_error;
    return;
  }
  // Queries left from an earlier server of this process are not this one's.
  unsigned char stale[512];
  while (::recv(fd_, stale, sizeof stale, MSG_DONTWAIT) > 0) {
  }
  thread_ = std::thread([this] { serve(); });
}

slow_dns_server::~slow_dns_server() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void slow_dns_server::serve() {
  struct pending {
    std::chrono::steady_clock::time_point due;
    std::vector<unsigned char> reply;
    sockaddr_in from;
  };
  std::vector<pending> due;
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5) > 0) {
      unsigned char buffer[512];
      sockaddr_in from{};
      socklen_t length = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n > 0) {
        ++queries_;
        due.push_back({std::chrono::steady_clock::now() + delay_,
                       answer(buffer, static_cast<std::size_t>(n)), from});
      }
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto it = due.begin(); it != due.end();) {
      if (it->due > now) {
        ++it;
        continue;
      }
      ::sendto(fd_, it->reply.data(), it->reply.size(), 0,
               reinterpret_cast<const sockaddr*>(&it->from), sizeof it->from);
      it = due.erase(it);
    }
  }
  // Stopped: what is still due is answered now, so that no lookup of this process waits for
  // the resolver's timeout after the test.
  for (const pending& p : due)
    ::sendto(fd_, p.reply.data(), p.reply.size(), 0, reinterpret_cast<const sockaddr*>(&p.from),
             sizeof p.from);
}

tcp_relay::tcp_relay(const std::string& address, int port) : port_(port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  const int on = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener_, 16) != 0) {
    ADD_FAILURE() << "cannot listen on " << address << ":" << port << ": " << strerror(errno);
    return;
  }
  thread_ = std::thread([this] { serve(); });
}

tcp_relay::~tcp_relay() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
}

void tcp_relay::serve() {
  // Each relayed connection: the accepted socket and the one to the server, bytes copied both
  // ways until either side closes.
  std::vector<std::pair<int, int>> pairs;
  while (!stop_) {
    std::vector<pollfd> fds{{listener_, POLLIN, 0}};
    for (const auto& [a, b] : pairs) {
      fds.push_back({a, POLLIN, 0});
      fds.push_back({b, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 5) <= 0) continue;
    std::vector<std::pair<int, int>> kept;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      bool open = true;
      for (int side = 0; side < 2 && open; ++side) {
        const short events = fds[1 + 2 * i + side].revents;
        if (events == 0) continue;
        const int from = side == 0 ? pairs[i].first : pairs[i].second;
        const int to = side == 0 ? pairs[i].second : pairs[i].first;
        char buffer[16384];
        const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
        open = n > 0 && ::send(to, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) == n;
      }
      if (open) {
        kept.push_back(pairs[i]);
      } else {
        ::close(pairs[i].first);
        ::close(pairs[i].second);
      }
    }
    pairs = std::move(kept);
    if ((fds[0].revents & POLLIN) != 0) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port_));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        if (server >= 0) ::close(server);
        continue;
      }
      ++connections_;
      pairs.emplace_back(client, server);
    }
  }
  for (const auto& [a, b] : pairs) {
    ::close(a);
    ::close(b);
  }
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

stall_meter::stall_meter(asio::io_context& ctx)
    : thread_([this, &ctx] {
        while (!stop_) {
          auto ran = std::make_shared<std::promise<void>>();
          const auto posted = std::chrono::steady_clock::now();
          asio::post(ctx, [ran] { ran->set_value(); });
          ran->get_future().wait();
          longest_ = std::max(longest_, std::chrono::steady_clock::now() - posted);
          std::this_thread::sleep_for(5ms);
        }
      }) {}

std::chrono::milliseconds stall_meter::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return std::chrono::duration_cast<std::chrono::milliseconds>(longest_);
}

std::unique_ptr<rdbms_pool> expect_connected_through_slow_dns(const pool_spec& spec,
                                                              const slow_dns_server& dns) {
  auto db = std::make_unique<rdbms_pool>(spec, 1);
  stall_meter meter(db->threads.context(0));
  const bool connected = db->p->wait_connected(30s);
  const std::chrono::milliseconds stall = meter.stop();
  EXPECT_TRUE(connected) << db->p->stats().last_connect_error;
  EXPECT_GE(dns.queries(), 1) << "the name was not looked up in the slow DNS";
  EXPECT_LT(stall, 500ms) << "the I/O thread was blocked by the lookup";
  ::testing::Test::RecordProperty("longest_stall_ms", static_cast<int>(stall.count()));
  return db;
}

void expect_an_attempt_given_up_during_a_slow_lookup(const pool_spec& spec) {
  rdbms_pool db(spec, 1);
  stall_meter meter(db.threads.context(0));
  const auto started = std::chrono::steady_clock::now();
  rdbms::query_result r = db.client.query("SELECT 1");
  const auto took = std::chrono::steady_clock::now() - started;
  const std::chrono::milliseconds stall = meter.stop();
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, 2500ms) << "the call waited for the lookup";
  EXPECT_LT(stall, 300ms) << "the I/O thread was blocked by the lookup";
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("connect timed out"), std::string::npos) << why;
}

void expect_connected_past_a_silent_address(const pool_spec& spec, int port) {
  silent_tcp_server silent(false, "127.0.0.2", port);
  tcp_relay relay("127.0.0.5", port);
  slow_dns_server dns(0ms, {"127.0.0.2", "127.0.0.5"});
  const auto started = std::chrono::steady_clock::now();
  rdbms_pool db(spec, 1);
  ASSERT_TRUE(db.p->wait_connected(12s)) << db.p->stats().last_connect_error;
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(relay.connections(), 1);
  EXPECT_LT(took, 4000ms) << "not connected within the first attempt";
  EXPECT_GE(took, 1500ms) << "the silent address was not tried first";
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
}

}  // namespace outpools::testing
