// cancel_swallowing_proxy.hpp — a TCP proxy on loopback in front of a PostgreSQL server that
// passes every connection through, except cancel requests: those it accepts and never answers
// (a server, or a balancer, that loses them). For the tests of what a cancel that does not land
// costs.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace outpools::testing {

/// Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`target_port`, on a thread of
/// its own. A connection whose first message is a CancelRequest is held open and silent until
/// the proxy is destroyed (which closes everything, so that blocked PQcancel calls return).
class cancel_swallowing_proxy {
 public:
  explicit cancel_swallowing_proxy(int target_port);
  ~cancel_swallowing_proxy();
  cancel_swallowing_proxy(const cancel_swallowing_proxy&) = delete;
  cancel_swallowing_proxy& operator=(const cancel_swallowing_proxy&) = delete;
  int port() const { return port_; }
  /// Cancel requests received so far (each one's sender still waits). Thread-safe.
  int cancels_held() const { return held_.load(); }

 private:
  struct session;
  void accept();

  int target_port_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<int> held_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<session>> sessions_;  ///< closed by the destructor
  std::thread thread_;
};

}  // namespace outpools::testing
