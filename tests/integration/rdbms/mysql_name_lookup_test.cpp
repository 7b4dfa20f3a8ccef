// mysql with tls.verify_peer and a host name: Connector/C must be given the name (it checks the
// certificate against it) and then resolves it itself, blocking. These tests make that lookup
// slow — a binary of its own, in a private mount namespace where /etc/resolv.conf points at a
// DNS server of the test that answers late, and /etc/hosts no longer names localhost — and check
// that the I/O thread the worker lives on keeps running meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/rdbms/mysql_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr const char* dns_address = "127.0.0.77";

// Enters a mount namespace of this process's own, with /etc/resolv.conf and /etc/hosts replaced
// by bind mounts. Done while the process has one thread (static initialisation): the threads
// started later inherit it. Empty on success, else why it could not (e.g. not root).
std::string enter_private_resolver() {
  if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("mount --make-rprivate /: ") + strerror(errno);
  char dir[] = "/tmp/outpools-dns-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return std::string("mkdtemp: ") + strerror(errno);
  const std::string resolv = std::string(dir) + "/resolv.conf";
  const std::string hosts = std::string(dir) + "/hosts";
  std::ofstream(resolv) << "nameserver " << dns_address << "\noptions timeout:10 attempts:1\n";
  std::ofstream(hosts) << "# localhost is left to the DNS\n";
  if (::mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0)
    return std::string("bind mount of /etc/resolv.conf: ") + strerror(errno);
  if (::mount(hosts.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0)
    return std::string("bind mount of /etc/hosts: ") + strerror(errno);
  // The mounts keep the files: nothing is left in /tmp.
  ::unlink(resolv.c_str());
  ::unlink(hosts.c_str());
  ::rmdir(dir);
  return {};
}

const std::string private_resolver_error = enter_private_resolver();

// A DNS server on dns_address:53 (UDP) that answers every query `delay` after it came: A with
// 127.0.0.1, any other type with no answer.
class slow_dns_server {
 public:
  explicit slow_dns_server(std::chrono::milliseconds delay) : delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    ::inet_pton(AF_INET, dns_address, &a.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ADD_FAILURE() << "cannot bind " << dns_address << ":53: " << strerror(errno);
      return;
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~slow_dns_server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int queries() const { return queries_.load(); }

 private:
  struct pending {
    std::chrono::steady_clock::time_point due;
    std::vector<unsigned char> reply;
    sockaddr_in from;
  };

  static std::vector<unsigned char> answer(const unsigned char* q, std::size_t n) {
    if (n < 12) return {};
    std::size_t p = 12;
    while (p < n && q[p] != 0) p += q[p] + 1;
    if (p + 5 > n) return {};
    const int type = (q[p + 1] << 8) | q[p + 2];
    std::vector<unsigned char> r(q, q + p + 5);  // header and question
    r[2] = 0x81;                                 // a response, recursion desired
    r[3] = 0x80;                                 // recursion available, no error
    r[6] = 0;
    r[7] = type == 1 ? 1 : 0;         // answers
    r[8] = r[9] = r[10] = r[11] = 0;  // no authority, no additional records
    if (type == 1) {
      const unsigned char a[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
      r.insert(r.end(), std::begin(a), std::end(a));
    }
    return r;
  }

  void serve() {
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
  }

  std::chrono::milliseconds delay_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// The longest a handler posted to `ctx` waited before it ran, from construction to stop(): a
// thread of the meter posts one every 5 ms and waits for it (so a thread blocked when the meter
// starts is measured too).
class stall_meter {
 public:
  explicit stall_meter(asio::io_context& ctx)
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
  ~stall_meter() { stop(); }
  std::chrono::milliseconds stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(longest_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::duration longest_{};  // the meter's thread's until joined
  std::thread thread_;
};

std::string verified_localhost_toml(const std::string& pool_lines) {
  return mysql_toml(pool_lines, mysql_tls_lines("OUTPOOLS_TLS_CA"), "OUTPOOLS_MYSQL_TLS_PORT",
                    "localhost");
}

TEST(mysql_name_lookup, a_slow_lookup_of_a_verified_host_name_stops_no_worker) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(2000ms);
  rdbms_pool db(spec_from_toml(verified_localhost_toml("workers = 1\nconnect_timeout = 15000")), 1);
  stall_meter meter(db.threads.context(0));
  const bool connected = db.p->wait_connected(30s);
  const std::chrono::milliseconds stall = meter.stop();
  ASSERT_TRUE(connected) << db.p->stats().last_connect_error;
  EXPECT_GE(dns.queries(), 1) << "the name was not looked up in the slow DNS";
  EXPECT_LT(stall, 500ms) << "the I/O thread was blocked by the lookup";
  RecordProperty("longest_stall_ms", static_cast<int>(stall.count()));
  rdbms::query_result r = db.client.query("SHOW STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_FALSE(rdbms::to_text(r.rows.at(0).at(1)).empty()) << "no cipher: not encrypted";
}

// A lookup slower than connect_timeout: the attempt is given up at connect_timeout (the lookup
// itself cannot be interrupted; its thread closes the handle when it ends), and the I/O thread
// keeps running throughout.
TEST(mysql_name_lookup, a_lookup_slower_than_connect_timeout_fails_the_attempt_in_time) {
  if (!private_resolver_error.empty()) GTEST_SKIP() << private_resolver_error;
  slow_dns_server dns(3000ms);
  rdbms_pool db(spec_from_toml(verified_localhost_toml(
                    "workers = 1\nconnect_timeout = 500\ncall_timeout = 1000\n"
                    "reconnect_backoff_min = 100\nreconnect_backoff_max = 200")),
                1);
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

}  // namespace
}  // namespace outpools::testing
