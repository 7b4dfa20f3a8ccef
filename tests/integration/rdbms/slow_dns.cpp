#include "integration/rdbms/slow_dns.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
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

constexpr const char* dns_address = "127.0.0.77";

// Enters a mount namespace of this process's own, with /etc/resolv.conf and /etc/hosts replaced
// by bind mounts. Empty on success, else why it could not.
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

// The answer to query `q` (n bytes): its header and question, and for an A query one record.
std::vector<unsigned char> answer(const unsigned char* q, std::size_t n) {
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

}  // namespace

const std::string private_resolver_error = enter_private_resolver();

slow_dns_server::slow_dns_server(std::chrono::milliseconds delay) : delay_(delay) {
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

slow_dns_server::~slow_dns_server() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
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

}  // namespace outpools::testing
