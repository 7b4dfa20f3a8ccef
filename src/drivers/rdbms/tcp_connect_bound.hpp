// tcp_connect_bound.hpp — how long the TCP connect to one address of a host name may take, so
// that a silent address (its SYNs dropped: a firewall, a dead route) leaves the next its turn.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace outpools::rdbms {

/// When the TCP connect to address `index` (from 0) of `count` must be done, for an attempt
/// that must end at `deadline` (connect_timeout after it began): an equal share of the time
/// left among the addresses still to try, so each silent address costs at most its share and
/// the next gets its turn; the last address, and every address once its connection is up
/// (TLS and log-in are not bounded here), have until `deadline`. time_point::max() for the
/// last one: no bound beyond the attempt's own. Pure.
inline std::chrono::steady_clock::time_point tcp_connect_deadline(
    std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point deadline,
    std::size_t index, std::size_t count) {
  if (index + 1 >= count) return std::chrono::steady_clock::time_point::max();
  if (now >= deadline) return now;
  return now + (deadline - now) / static_cast<long>(count - index);
}

/// A timer that gives up the TCP connect to one address at its tcp_connect_deadline.
///
/// arm(until, still_connecting, give_up): at `until`, if `still_connecting()` is true (the
/// TCP connection is not up yet), expired() becomes true and `give_up()` runs (it cancels the
/// waits of the attempt, which then moves on to the next address). disarm() (once the
/// connection is up, or the attempt ended) stops it; an expiry already queued then does
/// nothing. `until` = time_point::max() arms nothing. The callables run on the executor's
/// thread and may use their owner, which must disarm() (or destroy this) before it goes away.
///
/// Thread-safety: every member on the executor's thread only.
class tcp_connect_bound {
 public:
  explicit tcp_connect_bound(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}
  ~tcp_connect_bound() { disarm(); }
  tcp_connect_bound(const tcp_connect_bound&) = delete;
  tcp_connect_bound& operator=(const tcp_connect_bound&) = delete;

  template <typename StillConnecting, typename GiveUp>
  void arm(std::chrono::steady_clock::time_point until, StillConnecting still_connecting,
           GiveUp give_up) {
    disarm();
    expired_ = false;
    if (until == std::chrono::steady_clock::time_point::max()) return;
    auto armed = std::make_shared<bool>(true);
    armed_ = armed;
    timer_.expires_at(until);
    timer_.async_wait([this, armed, still_connecting = std::move(still_connecting),
                       give_up = std::move(give_up)](boost::system::error_code ec) {
      if (ec || !*armed || !still_connecting()) return;  // disarmed, or this is gone
      expired_ = true;
      give_up();
    });
  }

  /// Stops the timer and clears expired(): read expired() first. Idempotent.
  void disarm() noexcept {
    expired_ = false;
    if (!armed_) return;
    *armed_ = false;
    armed_.reset();
    timer_.cancel();
  }

  /// True once the bound gave the address up, until disarm() or the next arm().
  bool expired() const noexcept { return expired_; }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<bool> armed_;  ///< shared with the pending expiry; false once disarmed
  bool expired_ = false;
};

/// True while the TCP connect of socket `fd` is under way (TCP_INFO says SYN-SENT): not yet
/// connected, and not failed either. Reads nothing the socket's owner would (unlike SO_ERROR).
/// Thread-safe.
inline bool tcp_connect_pending(int fd) noexcept {
  tcp_info info{};
  socklen_t length = sizeof info;
  return fd >= 0 && ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
         info.tcpi_state == TCP_SYN_SENT;
}

/// True when the connection of socket `fd` has failed or ended (TCP_INFO says CLOSE: a refused
/// connect, a reset), its error still pending for the socket's owner: a recv or SO_ERROR here
/// would take that error away, and the owner would go on as if connected. Thread-safe.
inline bool tcp_connection_closed(int fd) noexcept {
  tcp_info info{};
  socklen_t length = sizeof info;
  return fd >= 0 && ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
         info.tcpi_state == TCP_CLOSE;
}

}  // namespace outpools::rdbms
