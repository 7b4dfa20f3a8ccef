// slow_dns.hpp — a slow name lookup for tests: a private mount namespace whose
// /etc/resolv.conf points at a DNS server of the test that answers late, and whose /etc/hosts
// no longer names localhost; and a meter of how long an io_context's thread stalls meanwhile.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/rdbms/rdbms_test_support.hpp"
#include "integration/rdbms/silent_tcp_server.hpp"

namespace outpools::testing {

/// Empty when this process entered its private resolver namespace (done during static
/// initialisation, while the process has one thread, so every thread started later is in it);
/// else why it could not (e.g. not root). A test that needs it skips with that reason.
extern const std::string private_resolver_error;

/// A DNS server on the private resolver's socket (one at a time), that answers every query
/// `delay` after it came (at once when the server is destroyed): A records with `addresses`
/// (IPv4, in that order), other types with no answer.
class slow_dns_server {
 public:
  explicit slow_dns_server(std::chrono::milliseconds delay,
                           std::vector<std::string> addresses = {"127.0.0.1"});
  ~slow_dns_server();
  slow_dns_server(const slow_dns_server&) = delete;
  slow_dns_server& operator=(const slow_dns_server&) = delete;
  /// How many queries came so far. Thread-safe.
  int queries() const { return queries_.load(); }

 private:
  void serve();
  std::vector<unsigned char> answer(const unsigned char* query, std::size_t n) const;

  std::chrono::milliseconds delay_;
  std::vector<std::string> addresses_;
  int fd_;  ///< the process's DNS socket, not closed here
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

/// Relays every TCP connection made to `address`:`port` to 127.0.0.1:`port` (a server of
/// scripts/services), on a thread of its own: a second address for a server that listens on
/// 127.0.0.1 alone.
class tcp_relay {
 public:
  tcp_relay(const std::string& address, int port);
  ~tcp_relay();
  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;
  /// How many connections it relayed so far. Thread-safe.
  int connections() const { return connections_.load(); }

 private:
  void serve();

  int port_;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

/// How many file descriptors this process has open (/proc/self/fd).
std::size_t open_descriptors();

/// Starts a pool of `spec` (one worker, connect_timeout of several seconds) on one I/O thread
/// while `dns` answers late, and checks that it connects and that the thread never stalled
/// for 500 ms meanwhile. The pool.
std::unique_ptr<rdbms_pool> expect_connected_through_slow_dns(const pool_spec& spec,
                                                              const slow_dns_server& dns);

/// Starts a pool of `spec` (connect_timeout = 500, call_timeout = 1000, short backoff) on one
/// I/O thread while `dns` answers after more than 2.5 s, and checks that a call fails within
/// 2.5 s with the attempt given up at connect_timeout, and that the thread never stalled for
/// 300 ms meanwhile.
void expect_an_attempt_given_up_during_a_slow_lookup(const pool_spec& spec);

/// A name whose first address is silent: the DNS answers 127.0.0.2 (its accept queue full on
/// `port`, so a connect to it stays pending) and 127.0.0.5 (a tcp_relay to the server on
/// `port`). Starts a pool of `spec` (one worker, host "localhost", connect_timeout = 4000) on
/// one I/O thread and checks that it connects through the relay within its first attempt, after
/// the silent address had its share, and that `SELECT 1` then runs.
void expect_connected_past_a_silent_address(const pool_spec& spec, int port);

}  // namespace outpools::testing
