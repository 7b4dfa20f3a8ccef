#include "drivers/rdbms/host_lookup.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <thread>

#include <netdb.h>
#include <sys/socket.h>

namespace outpools::rdbms {
namespace {

namespace asio = boost::asio;

// What one lookup's thread hands back; written by it before `done`, read after.
struct lookup_result {
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
  auto result = std::make_shared<lookup_result>();
  try {
    std::thread([result, host, port] {
      look_up(host, port, *result);
      result->done.store(true, std::memory_order_release);
    }).detach();
  } catch (...) {
    why = "could not resolve \"" + host + "\": no thread for the lookup";
    co_return std::vector<std::string>{};
  }
  while (!result->done.load(std::memory_order_acquire)) {
    timer_.expires_after(std::chrono::milliseconds(1));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (cancelled_) {
      why = "the lookup of \"" + host + "\" was given up";
      co_return std::vector<std::string>{};
    }
  }
  if (result->addresses.empty()) {
    why = "could not resolve \"" + host + "\": " + result->error;
    co_return std::vector<std::string>{};
  }
  co_return std::move(result->addresses);
}

}  // namespace outpools::rdbms
