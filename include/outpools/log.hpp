// log.hpp — where the library says what its pools do (connects, lost connections, keepalive
// failures): a process-wide sink the application sets, none by default. The library itself
// writes nothing anywhere.
#pragma once

#include <functional>
#include <string_view>

namespace outpools {

/// How much a message matters, least first.
enum class log_level { trace, debug, info, warn, error };

/// Receives each message at or above the threshold: its level and its text (one line, no
/// secret: the same diagnostics a pool's status shows). Called on the pools' I/O threads, at
/// the moment of the event: it must not block, and must be thread-safe.
using log_sink = std::function<void(log_level, std::string_view)>;

/// Sets the sink and its threshold (messages below `threshold` are not even formatted);
/// an empty sink turns logging off (the default). Thread-safe; meant to be called once, before
/// the pools start — a message logged while it runs reaches the old sink or the new one.
void set_log_sink(log_sink sink, log_level threshold = log_level::info);

/// True when a message at `level` would reach a sink. Thread-safe, lock-free.
bool log_enabled(log_level level) noexcept;

/// Hands `message` to the sink when log_enabled(level); exceptions of the sink are swallowed.
/// Thread-safe.
void log(log_level level, std::string_view message) noexcept;

}  // namespace outpools
