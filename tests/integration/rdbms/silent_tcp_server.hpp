// silent_tcp_server.hpp — a TCP server on loopback that never answers: a hung or silent
// database server for the rdbms tests.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace outpools::testing {

/// A TCP server on `address`:`port` (0: a free port) that never answers. With `accepts`, it
/// accepts connections (each closed when its client closes), on a thread of its own; without,
/// its accept queue is kept full, so a connect to it stays pending (the SYN is dropped).
class silent_tcp_server {
 public:
  explicit silent_tcp_server(bool accepts = true, const std::string& address = "127.0.0.1",
                             int port = 0);
  ~silent_tcp_server();
  silent_tcp_server(const silent_tcp_server&) = delete;
  silent_tcp_server& operator=(const silent_tcp_server&) = delete;
  int port() const { return port_; }
  /// How many connections it accepted so far. Thread-safe.
  int accepted() const { return accepted_.load(); }

 private:
  void serve();

  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;  ///< connections of its own that fill the accept queue
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace outpools::testing
