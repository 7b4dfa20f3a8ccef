// cancel_swallowing_proxy.hpp — a TCP proxy on loopback in front of a PostgreSQL or MariaDB
// server that passes every connection through, except cancel requests — PostgreSQL's
// CancelRequest, MariaDB's KILL QUERY — which it takes and never forwards or answers (a server,
// or a balancer, that loses them). For the tests of what a cancel that does not land costs.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace outpools::testing {

/// Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`target_port`, on a thread of
/// its own. pgsql: a connection whose first message is a CancelRequest is held open and silent
/// until the proxy is destroyed (which closes everything, so that blocked PQcancel calls
/// return). mysql: once a connection's client sends bytes holding `KILL QUERY`, nothing more
/// of it is forwarded either way (the server never sees the statement; the client waits).
/// With a `delay`, a held request is forwarded that long after it came (a slow network or
/// balancer), and its connection goes on as any other (0 ms: a plain proxy). New connections
/// can be held (hold_new_connections), as a network that drops them does.
class cancel_swallowing_proxy {
 public:
  enum class protocol { pgsql, mysql };
  explicit cancel_swallowing_proxy(int target_port, protocol p = protocol::pgsql,
                                   std::optional<std::chrono::milliseconds> delay = std::nullopt);
  ~cancel_swallowing_proxy();
  cancel_swallowing_proxy(const cancel_swallowing_proxy&) = delete;
  cancel_swallowing_proxy& operator=(const cancel_swallowing_proxy&) = delete;
  int port() const { return port_; }
  /// From now on new connections are not taken, as by a dead network: the proxy stops
  /// accepting and fills its backlog, so that the kernel drops their SYNs (the connects wait,
  /// resending them). Those already made go on. Call from the test's thread.
  void hold_new_connections();
  /// Takes new connections again (those waiting get in with their next SYN). Call from the
  /// test's thread, after hold_new_connections().
  void let_new_connections_in();
  /// Cancel requests received so far (without a delay, each one's sender still waits).
  /// Thread-safe.
  int cancels_held() const { return held_.load(); }

 private:
  struct session;
  void accept();

  int target_port_;
  protocol protocol_;
  std::optional<std::chrono::milliseconds> delay_;
  boost::asio::io_context io_;
  /// Keeps io_ running while nothing is accepted (hold_new_connections) and no session is open.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> running_{
      io_.get_executor()};
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<int> held_{0};
  bool holding_ = false;     ///< on the proxy's thread: new connections are not accepted
  int backlog_filler_ = -1;  ///< the connection that fills the backlog while holding
  std::mutex mutex_;
  std::vector<std::shared_ptr<session>> sessions_;  ///< closed by the destructor
  std::thread thread_;
};

}  // namespace outpools::testing
