// poll_until.hpp — waiting on an I/O thread for something another thread finishes.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace outpools::rdbms {

/// Waits on `timer` until `done()` is true: it looks after 1 ms, then twice as long each time
/// up to 50 ms, so a quick answer is seen at once and a slow one costs the thread 20 wake-ups a
/// second. True once `done()`; false as soon as `given_up()` is true after a wait (whoever gives
/// up cancels `timer` to be heard at once). `done` may be read from another thread (make it
/// an acquire load); `given_up` and `timer` belong to the timer's thread. Pass named callables:
/// GCC 12 mishandles temporaries in a co_await expression.
template <typename Done, typename GivenUp>
boost::asio::awaitable<bool> poll_until(boost::asio::steady_timer& timer, const Done& done,
                                        const GivenUp& given_up) {
  std::chrono::milliseconds wait{1};
  while (!done()) {
    timer.expires_after(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(50));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (given_up()) co_return false;
  }
  co_return true;
}

/// poll_until with a timer of its own on `executor`, given up at `until`: true once `done()`.
/// For a driver's finish_cancels().
template <typename Executor, typename Done>
boost::asio::awaitable<bool> poll_for(const Executor& executor, const Done& done,
                                      std::chrono::steady_clock::time_point until) {
  boost::asio::steady_timer timer(executor);
  const auto passed = [until] { return std::chrono::steady_clock::now() >= until; };
  co_return co_await poll_until(timer, done, passed);
}

}  // namespace outpools::rdbms
