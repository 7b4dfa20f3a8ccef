#include "drivers/rdbms/host_lookup.hpp"

#include "drivers/rdbms/poll_until.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include <netdb.h>
#include <sys/socket.h>

namespace outpools::rdbms {
namespace {

namespace asio = boost::asio;

// What one lookup's thread hands back; written by it before `done`, read after.
struct lookup_result {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};
  std::vector<std::string> addresses;
  std::string error;
};

void look_up(const std::string& host, unsigned int port, lookup_result& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    out.error = rc == EAI_SYSTEM ? std::string("system error") : ::gai_strerror(rc);
    return;
  }
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
        0)
      continue;
    if (std::find(out.addresses.begin(), out.addresses.end(), text) == out.addresses.end())
      out.addresses.emplace_back(text);
  }
  ::freeaddrinfo(found);
  if (out.addresses.empty()) out.error = "no address";
}

// Lookups under way, by host and port. A connection that needs a name being looked up since
// less than join_within waits for that answer instead of starting a thread of its own: under a
// dead DNS every retry of every worker would otherwise add a thread blocked for the resolver's
// whole timeout. An older lookup is not joined, so that a DNS that has come back is asked
// again within that time.
constexpr std::chrono::seconds join_within{1};
std::mutex in_flight_mutex;
std::map<std::pair<std::string, unsigned int>, std::weak_ptr<lookup_result>> in_flight;

// The lookup of host:port under way, or a new one on a thread of its own. Throws
// std::system_error when no thread can be started.
std::shared_ptr<lookup_result> start_or_join(const std::string& host, unsigned int port) {
  std::lock_guard lock(in_flight_mutex);
  std::weak_ptr<lookup_result>& slot = in_flight[{host, port}];
  if (std::shared_ptr<lookup_result> running = slot.lock();
      running && !running->done.load(std::memory_order_acquire) &&
      std::chrono::steady_clock::now() - running->started < join_within)
    return running;
  auto result = std::make_shared<lookup_result>();
  std::thread([result, host, port] {
    look_up(host, port, *result);
    result->done.store(true, std::memory_order_release);
  }).detach();
  slot = result;
  return result;
}

}  // namespace

bool is_host_name(std::string_view host) {
  if (host.empty() || host.front() == '/') return false;
  boost::system::error_code not_numeric;
  asio::ip::make_address(std::string(host), not_numeric);
  return static_cast<bool>(not_numeric);
}

asio::awaitable<std::vector<std::string>> host_lookup::resolve(const std::string& host,
                                                               unsigned int port,
                                                               std::string& why) {
  cancelled_ = false;
  std::shared_ptr<lookup_result> result;
  try {
    result = start_or_join(host, port);
  } catch (...) {
    why = "could not resolve \"" + host + "\": no thread for the lookup";
    co_return std::vector<std::string>{};
  }
  const auto done = [&] { return result->done.load(std::memory_order_acquire); };
  const auto given_up = [&] { return cancelled_; };
  const bool answered = co_await poll_until(timer_, done, given_up);
  if (!answered) {
    why = "the lookup of \"" + host + "\" was given up";
    co_return std::vector<std::string>{};
  }
  if (result->addresses.empty()) {
    why = "could not resolve \"" + host + "\": " + result->error;
    co_return std::vector<std::string>{};
  }
  co_return result->addresses;  // shared with the other waiters: copied
}

}  // namespace outpools::rdbms
