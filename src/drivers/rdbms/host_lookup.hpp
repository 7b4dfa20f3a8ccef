// host_lookup.hpp — resolving a database host's name without blocking the worker's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace outpools::rdbms {

/// True when `host` is a name to look up: not empty, neither an IP address nor a Unix socket
/// path. Thread-safe.
bool is_host_name(std::string_view host);

/// One connection's lookups of its host name. libpq's and Connector/C's own lookups block the
/// thread, and with it every worker on it; Asio's resolver runs one lookup at a time per
/// io_context and joins its thread at shutdown, so a slow DNS would delay every other worker's
/// lookup on that thread and the pool's stop. Here a lookup is a getaddrinfo on a detached
/// thread of its own, shared by every connection of the process that needs the same host and
/// port in its first second (so a dead DNS costs at most a thread a second per name, and a DNS
/// that came back is asked again within a second); a connection stops waiting at once when it
/// gives up (the thread then runs to its end and frees its result). resolve() looks for the
/// answer as poll_until (poll_until.hpp) does.
///
/// Thread-safety: resolve() and cancel() on the executor's thread only.
class host_lookup {
 public:
  explicit host_lookup(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  /// The addresses of `host` as text, in getaddrinfo's order (AI_ADDRCONFIG), without repeats.
  /// Empty, with `why` set, when the lookup failed, no thread could be started, or cancel()
  /// was called meanwhile.
  boost::asio::awaitable<std::vector<std::string>> resolve(const std::string& host,
                                                           unsigned int port, std::string& why);

  /// Gives the lookup under way up: resolve() returns at once (empty). Idempotent.
  void cancel() noexcept {
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  bool cancelled_ = false;
};

}  // namespace outpools::rdbms
