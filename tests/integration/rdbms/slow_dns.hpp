// slow_dns.hpp — a slow name lookup for tests: a private mount namespace whose
// /etc/resolv.conf points at a DNS server of the test that answers late, and whose /etc/hosts
// no longer names localhost; and a meter of how long an io_context's thread stalls meanwhile.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>

namespace outpools::testing {

/// Empty when this process entered its private resolver namespace (done during static
/// initialisation, while the process has one thread, so every thread started later is in it);
/// else why it could not (e.g. not root). A test that needs it skips with that reason.
extern const std::string private_resolver_error;

/// A DNS server on the private resolver's address, port 53 (UDP), that answers every query
/// `delay` after it came: A records with 127.0.0.1, other types with no answer.
class slow_dns_server {
 public:
  explicit slow_dns_server(std::chrono::milliseconds delay);
  ~slow_dns_server();
  slow_dns_server(const slow_dns_server&) = delete;
  slow_dns_server& operator=(const slow_dns_server&) = delete;
  /// How many queries came so far. Thread-safe.
  int queries() const { return queries_.load(); }

 private:
  void serve();

  std::chrono::milliseconds delay_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

/// The longest a handler posted to `ctx` waited before it ran, from construction to stop(): a
/// thread of the meter posts one every 5 ms and waits for it (so a thread already blocked when
/// the meter starts is measured too).
class stall_meter {
 public:
  explicit stall_meter(boost::asio::io_context& ctx);
  ~stall_meter() { stop(); }
  stall_meter(const stall_meter&) = delete;
  stall_meter& operator=(const stall_meter&) = delete;
  /// Stops the meter (idempotent) and returns the longest wait.
  std::chrono::milliseconds stop();

 private:
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::duration longest_{};  // the meter's thread's until joined
  std::thread thread_;
};

}  // namespace outpools::testing
