// result_slices.hpp — how much of a stored result a driver converts before it lets its I/O thread
// run other handlers (internal).
//
// A stored result (libpq's PGresult, Connector/C's MYSQL_RES) is converted into typed rows without
// I/O, on the worker's I/O thread. Millions of rows take seconds there, and while they are
// converted the thread runs nothing else: no deadline timer (the caller would hear of its
// call_timeout only afterwards), no other worker. So a driver converts a slice of rows, yields to
// the thread, and stops if the call was cancelled in the meantime.
#pragma once

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <utility>

namespace outpools::rdbms {

/// Values converted between two yields: about a millisecond's work in a release build.
inline constexpr std::size_t values_per_slice = 16384;

/// Rows of `columns` values each in one slice: at least one.
constexpr std::size_t rows_per_slice(std::size_t columns) noexcept {
  return std::max<std::size_t>(1, values_per_slice / std::max<std::size_t>(1, columns));
}

/// Lets the other handlers queued on `executor` (timers among them) run, then resumes.
inline boost::asio::awaitable<void> let_other_handlers_run(
    boost::asio::io_context::executor_type executor) {
  co_await boost::asio::post(executor, boost::asio::use_awaitable);
}

/// Frees `owned` — what a cancelled call read: typed rows, the library's stored result, possibly
/// millions of rows — in a handler queued on `executor`, so after the handlers queued before it
/// (the caller's answer among them, when its completion runs on this thread). `Owner` is
/// move-constructible (a query_result, a unique_ptr with its deleter).
template <typename Owner>
void free_after_queued_handlers(boost::asio::io_context::executor_type executor, Owner&& owned) {
  boost::asio::post(executor, [dropped = std::forward<Owner>(owned)] {});
}

}  // namespace outpools::rdbms
