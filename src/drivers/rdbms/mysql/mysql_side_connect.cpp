#include "drivers/rdbms/mysql/mysql_side_connect.hpp"

#include <algorithm>
#include <cerrno>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "drivers/rdbms/mysql/mysql_dialog.hpp"
#include "drivers/rdbms/mysql/mysql_greeting.hpp"
#include "drivers/rdbms/tcp_connect_bound.hpp"

namespace outpools::rdbms {

using steady = std::chrono::steady_clock;

mysql_side_connect::mysql_side_connect(std::shared_ptr<const mysql_settings> settings,
                                       MYSQL* handle, std::string host,
                                       steady::time_point attempt_deadline)
    : settings_(std::move(settings)),
      host_(std::move(host)),
      attempt_deadline_(attempt_deadline),
      handle_(handle) {}

std::shared_ptr<mysql_side_connect> mysql_side_connect::start(
    std::shared_ptr<const mysql_settings> settings, MYSQL* handle, std::string host,
    steady::time_point attempt_deadline) noexcept {
  std::shared_ptr<mysql_side_connect> side;
  try {
    side.reset(
        new mysql_side_connect(std::move(settings), handle, std::move(host), attempt_deadline));
    std::thread([side] { side->run(); }).detach();
    return side;
  } catch (...) {  // no memory or no thread: nothing ran on the handle
    if (side) side->handle_ = nullptr;
    mysql_close(handle);
    return nullptr;
  }
}

int mysql_side_connect::wait(int status, steady::time_point until) const noexcept {
  pollfd p{};
  p.fd = static_cast<int>(mysql_get_socket(handle_));
  if ((status & MYSQL_WAIT_READ) != 0) p.events |= POLLIN;
  if ((status & MYSQL_WAIT_WRITE) != 0) p.events |= POLLOUT;
  if ((status & MYSQL_WAIT_EXCEPT) != 0) p.events |= POLLPRI;
  if (p.fd < 0 || p.events == 0) {  // nothing to watch: only the library's timeout
    std::this_thread::sleep_until(until);
    return 0;
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - steady::now());
  const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
  if (n < 0) return errno == EINTR ? 0 : -1;
  int ready = 0;
  // A closed or failed socket is reported as the event asked for: the library reads the error.
  const bool failed = (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
  if ((p.revents & POLLIN) != 0 || (failed && (status & MYSQL_WAIT_READ) != 0))
    ready |= MYSQL_WAIT_READ;
  if ((p.revents & POLLOUT) != 0 || (failed && (status & MYSQL_WAIT_WRITE) != 0))
    ready |= MYSQL_WAIT_WRITE;
  if ((p.revents & POLLPRI) != 0) ready |= MYSQL_WAIT_EXCEPT;
  return ready;
}

void mysql_side_connect::set_addresses(const std::vector<std::string>& addresses) noexcept {
  try {
    std::lock_guard lock(addresses_mutex_);
    if (addresses_known_.load(std::memory_order_relaxed)) return;
    for (const std::string& a : addresses)
      address_families_.push_back(a.find(':') != std::string::npos ? AF_INET6 : AF_INET);
    addresses_known_.store(true, std::memory_order_release);
  } catch (...) {  // no memory: no bound per address
  }
}

steady::time_point mysql_side_connect::bound_tcp_connect() noexcept {
  const int fd = static_cast<int>(mysql_get_socket(handle_));
  struct stat status {};
  if (fd < 0 || ::fstat(fd, &status) != 0) return steady::time_point::max();
  if (families_.empty() && addresses_known_.load(std::memory_order_acquire)) {
    std::lock_guard lock(addresses_mutex_);
    families_.swap(address_families_);  // no longer read there: taken, not copied
  }
  if (status.st_ino != socket_inode_) {  // the library went on to another address
    socket_inode_ = status.st_ino;
    socket_since_ = steady::now();
    // Which address it is: the next of its family. Connector/C takes them in the lookup's
    // order; one that fails within the call that opened it is not seen here, but such failures
    // come from a whole family (no route for IPv6, say), which this skips.
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    socket_family_ = ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0
                         ? local.ss_family
                         : AF_UNSPEC;
    socket_nth_ = socket_family_ == AF_INET6 ? inet6_sockets_++ : inet_sockets_++;
  }
  std::optional<std::size_t> socket_address;  // its place among the addresses, once known
  for (std::size_t i = 0, seen = 0; i < families_.size() && !socket_address; ++i)
    if (families_[i] == socket_family_ && seen++ == socket_nth_) socket_address = i;
  // Only a connect under way, and never the last address's.
  if (!socket_address || *socket_address + 1 >= families_.size() || !tcp_connect_pending(fd))
    return steady::time_point::max();
  const auto until =
      tcp_connect_deadline(socket_since_, attempt_deadline_, *socket_address, families_.size());
  if (steady::now() < until) return until;
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  // The library sees the connect fail; if this fails, the attempt ends at its deadline.
  (void)::connect(fd, &unspecified, sizeof unspecified);
  return steady::time_point::max();
}

void mysql_side_connect::run() noexcept {
  const mysql_settings& s = *settings_;
  MYSQL* ret = nullptr;
  // The blocking name lookup happens in here, before the first wait.
  int status = mysql_real_connect_start(
      &ret, handle_, host_.c_str(), s.user.c_str(), s.password ? s.password->c_str() : nullptr,
      s.database.empty() ? nullptr : s.database.c_str(), s.port, nullptr, CLIENT_MULTI_RESULTS);
  const auto deadline = steady::now() + s.connect_timeout;
  // The library's own timeout for the wait it asked for, when it asked for one.
  auto library_deadline = steady::time_point::max();
  const auto note_library_timeout = [&] {
    library_deadline =
        (status & MYSQL_WAIT_TIMEOUT) != 0
            ? steady::now() + std::chrono::milliseconds(mysql_get_timeout_value_ms(handle_))
            : steady::time_point::max();
  };
  note_library_timeout();
  // With a tls table but no verify_peer Connector/C would answer a server that offers no TLS
  // with the login in plain text: the greeting is read here first, the library resumed only
  // once it is known (it reads the greeting in the same call that sees its TCP connect done).
  bool check_greeting = s.tls && !s.tls->verify_peer;
  while (status != 0 && !abandoned_.load(std::memory_order_relaxed)) {
    const auto now = steady::now();
    if (now >= deadline) break;
    // abandon() is noticed within this much.
    const auto until = std::min(
        {deadline, library_deadline, bound_tcp_connect(), now + std::chrono::milliseconds(50)});
    const bool peeking = check_greeting && handle_->server_capabilities == 0;
    int ready = wait(peeking ? MYSQL_WAIT_READ : status, until);
    if (ready < 0) break;
    if (ready == 0) {
      if (steady::now() < library_deadline) continue;
      ready = MYSQL_WAIT_TIMEOUT;
    } else if (peeking) {
      const greeting_tls greeting = peek_greeting_tls(static_cast<int>(mysql_get_socket(handle_)));
      if (greeting == greeting_tls::incomplete) {  // part of it: look again shortly
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      if (greeting == greeting_tls::not_offered) {
        server_without_tls_ = true;  // nothing is sent to it
        break;
      }
      check_greeting = false;
      // Readable: the TCP connect has ended, so what the library waited for has happened.
      ready = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
    }
    mysql_keep_nonblocking(handle_);  // or OpenSSL's reads of the handshake block
    status = mysql_real_connect_cont(&ret, handle_, ready);
    note_library_timeout();
  }
  std::lock_guard lock(mutex_);
  connected_ = status == 0 && ret != nullptr;
  if (status != 0) {  // unfinished: ended first, or mysql_close would leave its socket open
    mysql_end_connect(handle_, status);
    take_refused_dialog_question(handle_);
    mysql_close(handle_);
    handle_ = nullptr;
  } else if (abandoned_.load(std::memory_order_relaxed)) {
    take_refused_dialog_question(handle_);
    mysql_close(handle_);
    handle_ = nullptr;
  }
  done_.store(true, std::memory_order_release);
}

MYSQL* mysql_side_connect::take(bool& connected) noexcept {
  std::lock_guard lock(mutex_);
  connected = connected_;
  if (!done() || taken_) return nullptr;
  taken_ = true;
  return std::exchange(handle_, nullptr);
}

void mysql_side_connect::abandon() noexcept {
  abandoned_.store(true, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  taken_ = true;
  if (done() && handle_ != nullptr) {  // ended, not taken: close it here
    take_refused_dialog_question(handle_);
    mysql_close(handle_);
    handle_ = nullptr;
  }
}

}  // namespace outpools::rdbms
