// host_lookup.hpp — resolving a database host's name without blocking the worker's thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace outpools::rdbms {

/// True when `host` is a name to look up: not empty, neither an IP address nor a Unix socket
/// path. Thread-safe.
bool is_host_name(std::string_view host);

/// The addresses of `host` as text, in the resolver's order, without repeats, looked up by
/// `resolver` (asynchronously; libpq's and Connector/C's own lookups block the thread, and with
/// it every worker on it). Empty, with `why` set, when the lookup failed; operation_aborted
/// when `resolver` was cancelled (a lookup under way still runs to its end first).
boost::asio::awaitable<std::vector<std::string>> resolve_host(
    boost::asio::ip::tcp::resolver& resolver, const std::string& host, unsigned int port,
    std::string& why);

}  // namespace outpools::rdbms
