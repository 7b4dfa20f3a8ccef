// test_support.hpp — helpers of the core's tests: bounded waits, a result recorder, a gate that
// holds jobs, and a scriptable fake driver.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "outpools/driver.hpp"
#include "outpools/pool.hpp"

namespace outpools::test {

/// Every wait of a test is bounded by this: a hang is a failure, not a stuck run.
inline constexpr std::chrono::seconds patience{20};

/// Polls `pred` until it holds or `patience` elapsed; returns its last value.
template <typename Pred>
bool eventually(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + patience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return true;
}

/// Collects completions by call id; counts duplicates.
class recorder {
 public:
  auto handler(int id) {
    return [this, id](call_result r) {
      std::lock_guard lock(mutex_);
      if (!results_.emplace(id, std::move(r)).second) ++duplicates_;
      cv_.notify_all();
    };
  }
  /// Waits until `n` distinct calls completed.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, patience, [&] { return results_.size() >= n; });
  }
  bool has(int id) {
    std::lock_guard lock(mutex_);
    return results_.count(id) != 0;
  }
  call_result get(int id) {
    std::lock_guard lock(mutex_);
    return results_.at(id);
  }
  int duplicates() {
    std::lock_guard lock(mutex_);
    return duplicates_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int, call_result> results_;
  int duplicates_ = 0;
};

/// Holds asynchronous jobs until opened. Records which jobs started, in order, and on which worker.
class gate {
 public:
  struct entry {
    int id;
    std::uint32_t worker;
  };

  /// A job that records its start, waits for the gate, records whether it was cancelled.
  auto job(int id) {
    return [this, id](job_context& ctx) -> boost::asio::awaitable<call_result> {
      boost::asio::steady_timer timer(ctx.executor, std::chrono::steady_clock::time_point::max());
      if (enter(id, ctx.worker, &timer))
        co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      leave(id, &timer, ctx.cancelled());
      co_return call_result::success();
    };
  }

  /// Lets every held job (and every later one) go.
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    for (auto& [id, t] : waiting_) boost::asio::post(t->get_executor(), [t = t] { t->cancel(); });
  }

  std::vector<entry> started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  std::size_t started_count() {
    std::lock_guard lock(mutex_);
    return started_.size();
  }
  std::size_t finished_count() {
    std::lock_guard lock(mutex_);
    return finished_.size();
  }
  bool saw_cancel(int id) {
    std::lock_guard lock(mutex_);
    return finished_.count(id) != 0 && finished_.at(id);
  }
  bool ran(int id) {
    std::lock_guard lock(mutex_);
    for (const auto& e : started_)
      if (e.id == id) return true;
    return false;
  }

 private:
  bool enter(int id, std::uint32_t worker, boost::asio::steady_timer* t) {
    std::lock_guard lock(mutex_);
    started_.push_back({id, worker});
    if (open_) return false;
    waiting_[id] = t;
    return true;
  }
  void leave(int id, boost::asio::steady_timer*, bool cancelled) {
    std::lock_guard lock(mutex_);
    waiting_.erase(id);
    finished_[id] = cancelled;
  }

  std::mutex mutex_;
  bool open_ = false;
  std::map<int, boost::asio::steady_timer*> waiting_;
  std::vector<entry> started_;
  std::map<int, bool> finished_;
};

/// A driver whose connect succeeds or fails as its worker's script says; optionally with
/// keepalive pings (answered after `ping_delay`, or at once once cancelled if `ping_hangs`) and
/// an idle check that reports the connection closed once `close_idle` is set.
struct fake_backend {
  std::function<bool(std::uint32_t worker)> connect_ok = [](std::uint32_t) { return true; };
  /// The text of a refused connect, given the count of connects so far (unset: a fixed text).
  std::function<std::string(int connects)> connect_error;
  std::atomic<int> connects{0};
  std::atomic<int> closes{0};
  std::optional<std::chrono::milliseconds> keepalive, idle_check;
  std::function<bool(std::uint32_t worker)> keepalive_on;  ///< unset: every worker pings
  std::chrono::milliseconds ping_delay{0};
  bool ping_hangs = false;  ///< the ping waits until cancel(), then answers ok (late)
  std::function<bool(std::uint32_t worker)> ping_hangs_on;  ///< as ping_hangs, for these workers
  std::atomic<bool> connect_hangs{false};  ///< connect() waits until cancel(), then fails
  bool reset_hangs = false;  ///< reset() (after a timed-out call) waits until cancel(), then ok
  std::atomic<int> resets{0};
  std::atomic<int> pings{0}, cancels{0}, idle_checks{0};
  std::atomic<bool> close_idle{false};
  /// How long finish_cancels() takes (a cancel request on its way); how many ended, and how
  /// many close() calls came after one had ended.
  std::chrono::milliseconds cancel_lands_after{0};
  std::atomic<int> cancels_landed{0}, closes_after_landing{0};
};

class fake_driver final : public connection_driver {
 public:
  fake_driver(fake_backend& backend, std::uint32_t worker,
              boost::asio::io_context::executor_type executor)
      : backend_(backend), worker_(worker), ping_timer_(executor) {}
  boost::asio::awaitable<call_result> connect() override {
    ++backend_.connects;
    if (backend_.connect_hangs.load()) {
      ping_timer_.expires_after(std::chrono::hours(1));
      boost::system::error_code ec;
      co_await ping_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      co_return call_result::failure(errc::timeout, "connect cancelled (fake)");
    }
    if (backend_.connect_ok(worker_)) co_return call_result::success();
    co_return call_result::failure(errc::disconnected,
                                   backend_.connect_error
                                       ? backend_.connect_error(backend_.connects.load())
                                       : std::string("connection refused (fake)"));
  }
  boost::asio::awaitable<call_result> ping() override {
    ++backend_.pings;
    const bool hangs =
        backend_.ping_hangs || (backend_.ping_hangs_on && backend_.ping_hangs_on(worker_));
    ping_timer_.expires_after(hangs ? std::chrono::hours(1) : backend_.ping_delay);
    boost::system::error_code ec;
    co_await ping_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return call_result::success();  // a hung ping answers (late) once cancelled
  }
  boost::asio::awaitable<call_result> reset() override {
    ++backend_.resets;
    if (!backend_.reset_hangs) co_return call_result::success();
    ping_timer_.expires_after(std::chrono::hours(1));
    boost::system::error_code ec;
    co_await ping_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return call_result::success();  // a hung rollback answers (late) once cancelled
  }
  void cancel() noexcept override {
    ++backend_.cancels;
    ping_timer_.cancel();
  }
  boost::asio::awaitable<void> finish_cancels() override {
    ping_timer_.expires_after(backend_.cancel_lands_after);
    boost::system::error_code ec;
    co_await ping_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    ++backend_.cancels_landed;
  }
  void close() noexcept override {
    ++backend_.closes;
    if (backend_.cancels_landed.load() > 0) ++backend_.closes_after_landing;
  }
  std::optional<std::chrono::milliseconds> keepalive_interval() const noexcept override {
    if (backend_.keepalive_on && !backend_.keepalive_on(worker_)) return std::nullopt;
    return backend_.keepalive;
  }
  std::optional<std::chrono::milliseconds> idle_check_interval() const noexcept override {
    return backend_.idle_check;
  }
  std::optional<std::string> closed_while_idle() noexcept override {
    ++backend_.idle_checks;
    if (backend_.close_idle.exchange(false)) return "closed by the fake server";
    return std::nullopt;
  }

 private:
  fake_backend& backend_;
  std::uint32_t worker_;
  boost::asio::steady_timer ping_timer_;  ///< what a hung connect, ping or reset waits on
};

inline driver_factory fake_factory(fake_backend& backend) {
  return [&backend](const pool_spec&, std::uint32_t w, boost::asio::io_context::executor_type ex) {
    return std::make_unique<fake_driver>(backend, w, ex);
  };
}

/// A generic pool spec with `workers` workers and `strategy`.
inline pool_spec generic_spec(
    std::uint32_t workers, worker_strategy strategy,
    std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds{10000}) {
  pool_spec s;
  s.type = pool_type::generic;
  s.tag = "test";
  s.workers = workers;
  s.strategy = strategy;
  s.call_timeout = timeout;
  s.connect_timeout = std::nullopt;
  s.reconnect_backoff_min = std::chrono::milliseconds{5};
  s.reconnect_backoff_max = std::chrono::milliseconds{20};
  return s;
}

}  // namespace outpools::test
