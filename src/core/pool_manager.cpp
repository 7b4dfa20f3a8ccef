#include "outpools/pool_manager.hpp"

#include <mutex>
#include <thread>
#include <vector>

namespace outpools {

pool_manager::pool_manager(std::size_t io_thread_count, io_thread_options options)
    : threads_(io_thread_count, options) {
  drivers_.emplace(pool_type::generic, generic_driver_factory());
}

pool_manager::~pool_manager() { stop_all(); }

void pool_manager::register_driver(pool_type type, driver_factory factory) {
  std::unique_lock lock(mutex_);
  drivers_[type] = std::move(factory);
}

std::error_code pool_manager::start_all(const configuration& config, std::string* diagnostics) {
  std::error_code first;
  for (const pool_spec& spec : config.pools) {
    const std::error_code ec = start_pool(spec, diagnostics);
    if (ec && !first) first = ec;
  }
  return first;
}

std::error_code pool_manager::start_pool(const pool_spec& spec, std::string* diagnostics) {
  auto refuse = [&](std::string text) {
    if (diagnostics) *diagnostics += spec.name() + ": " + text + "\n";
    return make_error_code(errc::invalid_argument);
  };
  std::unique_lock lock(mutex_);
  auto driver = drivers_.find(spec.type);
  if (driver == drivers_.end())
    return refuse("no driver for pool type " + std::string(to_string(spec.type)) +
                  " in this build");
  key k{spec.type, spec.host.value_or(""), spec.tag};
  if (pools_.count(k) != 0) return refuse("a pool with this name is already running");
  auto p = pool::create(spec, threads_, driver->second, next_thread_);
  next_thread_ += spec.workers;
  pools_.emplace(std::move(k), std::move(p));
  return {};
}

std::error_code pool_manager::stop_pool(pool_type type, const std::optional<std::string>& host,
                                        std::string_view tag) {
  if (io_threads::in_any_io_thread()) return make_error_code(errc::invalid_argument);
  std::shared_ptr<pool> victim;
  {
    std::unique_lock lock(mutex_);
    auto it = pools_.find(key{type, host.value_or(""), std::string(tag)});
    if (it == pools_.end()) return make_error_code(errc::pool_not_found);
    victim = std::move(it->second);
    pools_.erase(it);
  }
  return victim->stop();
}

void pool_manager::stop_all() {
  if (io_threads::in_any_io_thread()) return;
  std::map<key, std::shared_ptr<pool>, std::less<>> all;
  {
    std::unique_lock lock(mutex_);
    all.swap(pools_);
  }
  // All at once: each may wait for a cancel request of its own to land (up to its grace
  // period), and those waits need not add up.
  std::vector<std::thread> stopping;
  for (auto& [k, p] : all) {
    pool* each = p.get();
    try {
      if (all.size() > 1) {
        stopping.emplace_back([each] { each->stop(); });
        continue;
      }
    } catch (...) {  // no thread: this one here, in turn
    }
    each->stop();
  }
  for (std::thread& t : stopping) t.join();
}

std::shared_ptr<pool> pool_manager::find(pool_type type, const std::optional<std::string>& host,
                                         std::string_view tag) const {
  std::shared_lock lock(mutex_);
  if (host) {
    auto it = pools_.find(key{type, *host, std::string(tag)});
    if (it != pools_.end()) return it->second;
  }
  auto it = pools_.find(key{type, std::string(), std::string(tag)});
  return it == pools_.end() ? nullptr : it->second;
}

std::vector<pool_stats> pool_manager::stats() const {
  std::vector<std::shared_ptr<pool>> all;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [k, p] : pools_) all.push_back(p);
  }
  std::vector<pool_stats> result;
  result.reserve(all.size());
  for (const auto& p : all) result.push_back(p->stats());
  return result;
}

}  // namespace outpools
