#include "outpools/status.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <thread>

#include "outpools/rdbms/client.hpp"

namespace outpools {
namespace {

std::string state_of(std::uint32_t connected, std::uint32_t workers) {
  if (workers > 0 && connected == workers) return "up";
  return connected > 0 ? "degraded" : "down";
}

// The line of `start_errors` ("NAME: why" lines) about `pool` ("" when none is).
std::string start_error_for(const std::string& start_errors, const std::string& pool) {
  const std::string prefix = pool + ": ";
  for (std::size_t at = 0; at < start_errors.size();) {
    std::size_t end = start_errors.find('\n', at);
    if (end == std::string::npos) end = start_errors.size();
    if (start_errors.compare(at, prefix.size(), prefix) == 0)
      return start_errors.substr(at, end - at);
    at = end + 1;
  }
  return "";
}

}  // namespace

std::vector<pool_status> read_status(const pool_manager& manager, const configuration& config,
                                     const std::string& start_errors) {
  std::vector<pool_status> out;
  for (const pool_spec& spec : config.pools) {
    pool_status s{
        .pool = spec.name(), .scope = std::string(to_string(spec.scope)), .workers = spec.workers};
    std::shared_ptr<pool> p = manager.find(spec.type, spec.host, spec.tag);
    if (p == nullptr || p->name() != spec.name()) {
      s.state = "down";
      s.last_error = start_error_for(start_errors, spec.name());
      if (s.last_error.empty()) s.last_error = "not started";
    } else {
      pool_stats stats = p->stats();
      s.connected = stats.workers_connected;
      s.state = state_of(s.connected, s.workers);
      if (s.state != "up") s.last_error = stats.last_connect_error;
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool wait_settled(const pool_manager& manager, const configuration& config,
                  std::chrono::milliseconds margin, const std::function<bool()>& interrupted) {
  std::chrono::milliseconds longest{0};
  for (const pool_spec& spec : config.pools)
    longest = std::max(longest, spec.connect_timeout.value_or(std::chrono::milliseconds(0)));
  const auto deadline = std::chrono::steady_clock::now() + longest + margin;
  while (std::chrono::steady_clock::now() < deadline) {
    bool settled = true;
    for (const pool_spec& spec : config.pools) {
      std::shared_ptr<pool> p = manager.find(spec.type, spec.host, spec.tag);
      if (p == nullptr) continue;
      for (const worker_stats& w : p->stats().per_worker)
        if (!w.connected && w.connect_failures == 0) settled = false;
    }
    if (settled) return true;
    if (interrupted && interrupted()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string status_table(const std::vector<pool_status>& status) {
  // Widths on the screen, not in bytes: a host may be named in any script (ünï.org). Names
  // through one_line(), as errors are: a host is the configuration's text, whatever it holds.
  std::vector<std::string> names;
  names.reserve(status.size());
  std::size_t name_width = 4, scope_width = 5;
  for (const pool_status& s : status) {
    names.push_back(one_line(s.pool));
    name_width = std::max(name_width, display_width(names.back()));
    scope_width = std::max(scope_width, display_width(s.scope));
  }
  auto pad = [](std::string text, std::size_t width) {
    const std::size_t shown = display_width(text);
    if (shown < width) text.append(width - shown, ' ');
    return text;
  };
  std::string out = pad("POOL", name_width) + "  " + pad("SCOPE", scope_width) + "  " +
                    pad("CONNECTED", 9) + "  " + pad("STATE", 8) + "  LAST ERROR\n";
  for (std::size_t i = 0; i < status.size(); ++i) {
    const pool_status& s = status[i];
    out += pad(names[i], name_width) + "  " + pad(s.scope, scope_width) + "  " +
           pad(std::to_string(s.connected) + "/" + std::to_string(s.workers), 9) + "  " +
           pad(s.state, 8) + "  " + (s.last_error.empty() ? "-" : one_line(s.last_error)) + "\n";
  }
  return out;
}

std::size_t screen_rows(const std::string& text, std::size_t columns) {
  columns = std::max<std::size_t>(columns, 1);
  std::size_t rows = 0;
  for (std::size_t from = 0; from < text.size();) {
    std::size_t end = text.find('\n', from);
    if (end == std::string::npos) break;  // an unfinished line takes no row yet
    const std::size_t width = display_width(std::string_view(text).substr(from, end - from));
    rows += std::max<std::size_t>(1, (width + columns - 1) / columns);
    from = end + 1;
  }
  return rows;
}

std::string status_json_line(const std::vector<pool_status>& status,
                             std::chrono::system_clock::time_point now) {
  namespace json = boost::json;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char time_text[32];
  std::strftime(time_text, sizeof time_text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  json::array pools;
  for (const pool_status& s : status) {
    pools.push_back(json::object{
        {"pool", s.pool},
        {"scope", s.scope},
        {"workers", s.workers},
        {"connected", s.connected},
        {"state", s.state},
        {"last_error", s.last_error.empty() ? json::value(nullptr) : json::value(s.last_error)}});
  }
  return json::serialize(json::object{{"time", time_text}, {"pools", std::move(pools)}});
}

void register_builtin_drivers(pool_manager& manager) {
  manager.register_driver(pool_type::rdbms, rdbms::driver_factory());
}

}  // namespace outpools
