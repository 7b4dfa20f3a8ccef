// outpools/status.hpp — the state of each running pool, as `outpools up` shows it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "outpools/config.hpp"
#include "outpools/pool_manager.hpp"

namespace outpools {

/// One pool instance's state at the time of reading.
struct pool_status {
  std::string pool;   ///< TYPE.TAG or TYPE.TAG@HOST
  std::string scope;  ///< global, host, single_host
  std::uint32_t workers = 0;
  std::uint32_t connected = 0;
  std::string state;       ///< "up" (all connected), "degraded" (some), "down" (none)
  std::string last_error;  ///< last connection failure, "" when up (never a secret)
};

/// The status of every pool instance of `config` in `manager` (a pool the manager could not start
/// is "down", with the reason in `start_errors` when it names it). Thread-safe.
std::vector<pool_status> read_status(const pool_manager& manager, const configuration& config,
                                     const std::string& start_errors = "");

/// Blocks until every worker of every pool of `config` is connected or has failed at least once,
/// bounded by the largest connect_timeout plus `margin`, or until `interrupted` (asked every
/// 10 ms; may be empty) returns true. Returns false when interrupted. Must not be called from an
/// I/O thread.
bool wait_settled(const pool_manager& manager, const configuration& config,
                  std::chrono::milliseconds margin = std::chrono::milliseconds(250),
                  const std::function<bool()>& interrupted = {});

/// A fixed-width table: POOL SCOPE CONNECTED STATE LAST ERROR, one line per pool (the error
/// through one_line()).
std::string status_table(const std::vector<pool_status>& status);

/// `text` on one line for a terminal: line breaks, tabs and other control characters (C0, DEL,
/// C1) escaped as \n, \r, \t, \xNN and \uNNNN, so that what a server sends can neither break
/// a table's row nor start a terminal escape sequence. Thread-safe.
std::string one_line(std::string_view text);

/// The columns UTF-8 `text` takes on a terminal: two for an East Asian wide or fullwidth
/// character (CJK, Hangul, fullwidth forms, most emoji), none for a combining mark, a zero-width
/// space or joiner or a variation selector, one for the rest (a byte that is not valid UTF-8
/// too). Control characters count one: pass text through one_line() first. Thread-safe.
std::size_t display_width(std::string_view text);

/// The rows `text` (lines ending in '\n') takes on a terminal `columns` wide (> 0): a line wider
/// than that wraps onto more rows (width as display_width() counts it). What `outpools up`
/// moves the cursor up by to redraw its table in place. Thread-safe.
std::size_t screen_rows(const std::string& text, std::size_t columns);

/// One JSON line: {"time":"<UTC ISO 8601>","pools":[{"pool","scope","workers","connected",
/// "state","last_error" (null when none)}]}.
std::string status_json_line(const std::vector<pool_status>& status,
                             std::chrono::system_clock::time_point now);

/// Registers the driver of every connection type built into this library (generic, rdbms, ...)
/// with `manager`.
void register_builtin_drivers(pool_manager& manager);

}  // namespace outpools
