// What the worker does with an idle connection, on a fake driver: the idle check replaces one the
// server closed, and a keepalive ping is bounded by call_timeout; what a pool that cannot
// connect says.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "outpools/io_threads.hpp"
#include "outpools/pool.hpp"
#include "unit/core/test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;

pool_spec checked_spec(std::optional<std::chrono::milliseconds> call_timeout) {
  pool_spec spec = test::generic_spec(1, worker_strategy::best_worker, call_timeout);
  spec.reconnect_backoff_min = 1ms;
  spec.reconnect_backoff_max = 2ms;
  return spec;
}

TEST(connection_checks, an_idle_connection_the_server_closed_is_replaced_with_its_reason) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.idle_check = 5ms;
  auto p = pool::create(checked_spec(1000ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  ASSERT_TRUE(test::eventually([&] { return backend.idle_checks.load() >= 2; }));
  EXPECT_EQ(backend.connects.load(), 1);  // a connection that looks alive is kept
  backend.close_idle = true;
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 2; }));
  EXPECT_GE(backend.closes.load(), 1);
  EXPECT_NE(p->stats().last_connect_error.find("worker 0: closed by the fake server"),
            std::string::npos)
      << p->stats().last_connect_error;
  ASSERT_TRUE(p->wait_connected(test::patience));
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  p->stop();
}

// A pool that stays down shows its workers' latest connect failure, not the first one of the
// outage: a server that refused at first and now times out, or turns a role away, says so.
TEST(connection_checks, a_pool_that_stays_down_shows_its_latest_connect_failure) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.connect_ok = [](std::uint32_t) { return false; };
  backend.connect_error = [](int connects) {
    return "refused at attempt " + std::to_string(connects) + ";";
  };
  auto p = pool::create(checked_spec(1000ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 3; }));
  // The second attempt's failure was recorded before the third began.
  const std::string why = p->stats().last_connect_error;
  EXPECT_NE(why.find("worker 0: refused at attempt "), std::string::npos) << why;
  EXPECT_EQ(why.find("attempt 1;"), std::string::npos) << why;
  p->stop();
}

// next_available_worker fails a call at once when no worker is free; when none is connected (its
// connection lost, its reconnect under way), its answer says why the last connection ended.
TEST(connection_checks, no_available_workers_says_why_when_none_is_connected) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.idle_check = 5ms;
  pool_spec spec = checked_spec(1000ms);
  spec.strategy = worker_strategy::next_available_worker;
  spec.connect_timeout = 10s;
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  backend.connect_hangs = true;
  backend.close_idle = true;
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 2; }));
  const call_result r = p->call([](job_context&) {});
  EXPECT_EQ(r.error, errc::no_available_workers);
  EXPECT_NE(r.diagnostics.find("none is connected, last error: worker 0: closed by the fake"),
            std::string::npos)
      << r.diagnostics;
  p->stop();
}

// A call queued on a worker whose reconnect hangs times out; its error says the worker was not
// connected, what it was doing and why its last connection ended, not only "while queued".
TEST(connection_checks, a_call_timed_out_while_its_worker_reconnects_says_so) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.idle_check = 5ms;
  pool_spec spec = checked_spec(50ms);
  spec.connect_timeout = 10s;
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  backend.connect_hangs = true;
  backend.close_idle = true;
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 2; }));
  const call_result r = p->call([](job_context&) {});
  EXPECT_EQ(r.error, errc::timeout);
  EXPECT_NE(r.diagnostics.find("call_timeout elapsed while queued; the job was not run (worker 0 "
                               "was not connected: connecting; last error: closed by the fake "
                               "server)"),
            std::string::npos)
      << r.diagnostics;
  p->stop();
}

// A call that timed out behind a connected worker's running job says nothing of connections.
TEST(connection_checks, a_call_timed_out_behind_a_running_job_names_no_connection_state) {
  io_threads threads{1};
  test::fake_backend backend;
  auto p = pool::create(checked_spec(50ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  test::gate held;
  test::recorder results;
  call_options patient;
  patient.timeout = 10s;
  p->async_call(patient, held.job(1), results.handler(1));
  ASSERT_TRUE(test::eventually([&] { return held.started_count() == 1; }));
  const call_result r = p->call([](job_context&) {});
  held.open();
  EXPECT_EQ(r.error, errc::timeout);
  EXPECT_EQ(r.diagnostics, "call_timeout elapsed while queued; the job was not run");
  ASSERT_TRUE(results.wait_for(1));
  p->stop();
}

TEST(connection_checks, no_idle_check_without_an_interval) {
  io_threads threads{1};
  test::fake_backend backend;  // idle_check unset, as generic and odbc drivers
  backend.close_idle = true;
  auto p = pool::create(checked_spec(1000ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(backend.idle_checks.load(), 0);
  EXPECT_EQ(backend.connects.load(), 1);
  p->stop();
}

TEST(connection_checks, a_ping_past_call_timeout_is_cancelled_and_the_connection_replaced) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.keepalive = 5ms;
  backend.ping_hangs = true;  // answers ok, but only once cancelled: too late
  auto p = pool::create(checked_spec(30ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 2; }));
  EXPECT_GE(backend.cancels.load(), 1);
  const std::string why = p->stats().last_connect_error;
  EXPECT_NE(why.find("keepalive ping not answered within call_timeout (30 ms) (it answered later)"),
            std::string::npos)
      << why;
  p->stop();
}

// After a call answered `timeout` while its job still ran, the worker resets the connection
// (a rollback): that too is bounded by call_timeout, so a server that hangs then cannot keep the
// worker out of service.
TEST(connection_checks, a_reset_past_call_timeout_is_cancelled_and_the_connection_replaced) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.reset_hangs = true;
  auto p = pool::create(checked_spec(50ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  call_result late = p->call([](job_context& ctx) -> boost::asio::awaitable<void> {
    // Runs on past its timeout (a job is asked to stop only through its cancel flag).
    boost::asio::steady_timer t(ctx.executor, 1s);
    co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  });
  EXPECT_EQ(late.error, errc::timeout);
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 2; }));
  EXPECT_EQ(backend.resets.load(), 1);
  EXPECT_GE(backend.cancels.load(), 2);  // the call's, then the reset's
  const std::string why = p->stats().last_connect_error;
  EXPECT_NE(why.find("the rollback after a timed-out call not done within call_timeout (50 ms) "
                     "(it answered later)"),
            std::string::npos)
      << why;
  ASSERT_TRUE(p->wait_connected(test::patience));
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  p->stop();
}

// A pool stopped while a call runs cancels it, and closes the connection only once the
// driver's cancel request has landed (finish_cancels): a process that exits after the stop would
// otherwise cut the request short and leave the statement running on the server.
TEST(connection_checks, a_pool_stopped_mid_call_closes_once_its_cancel_has_landed) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.cancel_lands_after = 100ms;
  auto p = pool::create(checked_spec(10s), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  std::atomic<bool> started{false};
  call_result answer;
  std::thread caller([&] {
    answer = p->call([&started](job_context& ctx) -> boost::asio::awaitable<void> {
      started = true;
      boost::asio::steady_timer t(ctx.executor, 1h);  // until the stop cancels it
      co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    });
  });
  ASSERT_TRUE(test::eventually([&] { return started.load(); }));
  p->stop();
  EXPECT_EQ(backend.cancels_landed.load(), 1) << "the stop returned before the cancel landed";
  EXPECT_EQ(backend.closes.load(), 1);
  EXPECT_EQ(backend.closes_after_landing.load(), 1) << "closed while the cancel was on its way";
  caller.join();
  EXPECT_EQ(answer.error, errc::shutting_down) << answer.diagnostics;
}

TEST(connection_checks, a_ping_answered_in_time_keeps_the_connection) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.keepalive = 5ms;
  backend.ping_delay = 1ms;
  auto p = pool::create(checked_spec(1000ms), threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  ASSERT_TRUE(test::eventually([&] { return backend.pings.load() >= 5; }));
  EXPECT_EQ(backend.connects.load(), 1);
  EXPECT_EQ(backend.cancels.load(), 0);
  p->stop();
}

// available_worker hands a call to an idle worker even while it pings; when that ping fails,
// the call goes back to the pool-wide queue and another worker serves it, instead of waiting
// for the failed worker's reconnect.
TEST(connection_checks, a_call_handed_to_a_worker_whose_ping_fails_is_served_by_another) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.keepalive = 20ms;
  backend.ping_hangs_on = [](std::uint32_t w) { return w == 0; };
  std::atomic<bool> first_connect_of_0{true};
  backend.connect_ok = [&](std::uint32_t w) {
    return w != 0 || first_connect_of_0.exchange(false);
  };
  pool_spec spec = test::generic_spec(2, worker_strategy::available_worker, 300ms);
  spec.reconnect_backoff_min = 5000ms;  // worker 0 stays away far longer than the calls wait
  spec.reconnect_backoff_max = 5000ms;
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  ASSERT_TRUE(test::eventually([&] { return p->stats().per_worker.at(0).state == "pinging"; }));

  // Both workers are idle: one call goes to each, so one waits behind worker 0's ping.
  test::recorder results;
  std::mutex mutex;
  std::vector<std::uint32_t> ran_on;
  call_options options;
  options.timeout = 3000ms;  // longer than the ping's bound (call_timeout, 300 ms)
  for (int id = 0; id < 2; ++id)
    p->async_call(
        options,
        [&](job_context& ctx) {
          std::lock_guard lock(mutex);
          ran_on.push_back(ctx.worker);
        },
        results.handler(id));
  ASSERT_TRUE(results.wait_for(2));
  EXPECT_TRUE(results.get(0).ok()) << results.get(0).diagnostics;
  EXPECT_TRUE(results.get(1).ok()) << results.get(1).diagnostics;
  std::lock_guard lock(mutex);
  EXPECT_EQ(ran_on, (std::vector<std::uint32_t>{1, 1}));
  p->stop();
}

// A worker busy with a keepalive ping is not idle: best_worker sends calls elsewhere while the
// ping is out (a hung one would hold a call until call_timeout).
TEST(connection_checks, best_worker_counts_a_ping_in_progress_as_load) {
  io_threads threads{1};
  test::fake_backend backend;
  backend.keepalive = 20ms;
  backend.keepalive_on = [](std::uint32_t w) { return w == 0; };  // worker 1 is always idle
  backend.ping_hangs_on = [](std::uint32_t w) { return w == 0; };
  pool_spec spec = test::generic_spec(2, worker_strategy::best_worker, 2000ms);
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(p->wait_connected(test::patience));
  ASSERT_TRUE(test::eventually([&] { return p->stats().per_worker.at(0).state == "pinging"; }));
  std::vector<std::uint32_t> ran_on;
  for (int i = 0; i < 10; ++i) {
    std::uint32_t worker = 99;
    call_result r = p->call([&](job_context& ctx) { worker = ctx.worker; });
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    ran_on.push_back(worker);
  }
  EXPECT_EQ(ran_on, std::vector<std::uint32_t>(10, 1)) << "a call waited behind worker 0's ping";
  p->stop();
}

}  // namespace
}  // namespace outpools
