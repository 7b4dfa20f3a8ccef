#include "outpools/log.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace outpools {
namespace {

// Above every level: off.
constexpr int off = static_cast<int>(log_level::error) + 1;

std::atomic<int> threshold_now{off};
std::mutex sink_mutex;
std::shared_ptr<const log_sink> sink_now;

}  // namespace

void set_log_sink(log_sink sink, log_level threshold) {
  std::shared_ptr<const log_sink> next =
      sink ? std::make_shared<const log_sink>(std::move(sink)) : nullptr;
  std::lock_guard lock(sink_mutex);
  sink_now = std::move(next);
  threshold_now.store(sink_now ? static_cast<int>(threshold) : off, std::memory_order_release);
}

bool log_enabled(log_level level) noexcept {
  return static_cast<int>(level) >= threshold_now.load(std::memory_order_acquire);
}

void log(log_level level, std::string_view message) noexcept {
  if (!log_enabled(level)) return;
  std::shared_ptr<const log_sink> sink;
  {
    std::lock_guard lock(sink_mutex);
    sink = sink_now;
  }
  if (!sink) return;
  try {
    (*sink)(level, message);
  } catch (...) {  // a sink that fails loses the message, not the pool
  }
}

}  // namespace outpools
