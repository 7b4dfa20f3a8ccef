#include "drivers/rdbms/host_lookup.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace outpools::rdbms {

namespace asio = boost::asio;

bool is_host_name(std::string_view host) {
  if (host.empty() || host.front() == '/') return false;
  boost::system::error_code not_numeric;
  asio::ip::make_address(std::string(host), not_numeric);
  return static_cast<bool>(not_numeric);
}

asio::awaitable<std::vector<std::string>> resolve_host(asio::ip::tcp::resolver& resolver,
                                                       const std::string& host, unsigned int port,
                                                       std::string& why) {
  auto [ec, found] = co_await resolver.async_resolve(host, std::to_string(port),
                                                     asio::as_tuple(asio::use_awaitable));
  std::vector<std::string> addresses;
  if (ec || found.empty()) {
    why = "could not resolve \"" + host + "\": " + (ec ? ec.message() : "no address");
    co_return addresses;
  }
  for (const auto& entry : found) {
    std::string a = entry.endpoint().address().to_string();
    if (std::find(addresses.begin(), addresses.end(), a) == addresses.end())
      addresses.push_back(std::move(a));
  }
  co_return addresses;
}

}  // namespace outpools::rdbms
