// Deadlines, cancellation, mailbox bounds, the disconnected pool, and a clean stop.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;
using test::gate;
using test::recorder;

struct calls_fixture : ::testing::Test {
  io_threads threads{2};
  recorder results;
  gate held;
};

TEST_F(calls_fixture, queued_past_its_deadline_never_runs_and_running_one_is_cancelled) {
  auto p = pool::create(test::generic_spec(1, worker_strategy::next_worker, 50ms), threads,
                        generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  std::atomic<bool> queued_ran{false};
  p->async_call(held.job(0), results.handler(0));
  p->async_call([&](job_context&) { queued_ran = true; }, results.handler(1));
  ASSERT_TRUE(results.wait_for(2));  // both answered while the first job is still held
  EXPECT_EQ(results.get(0).error, errc::timeout);
  EXPECT_EQ(results.get(1).error, errc::timeout);
  EXPECT_EQ(held.finished_count(), 0u);
  held.open();
  ASSERT_TRUE(test::eventually([&] { return held.finished_count() == 1; }));
  EXPECT_TRUE(held.saw_cancel(0));  // the running job was asked to cancel
  // The worker goes on: a new call is served (the timed-out one never ran).
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  EXPECT_FALSE(queued_ran.load());
  EXPECT_EQ(results.duplicates(), 0);
  EXPECT_EQ(p->stats().calls.of(errc::timeout), 2u);
}

// A synchronous job blocks its I/O thread, and the worker's deadline timer with it: the call is
// still answered `timeout` at its deadline (by the stall keeper), the job sees its cancel flag
// and stops, and the worker then serves the next call.
TEST_F(calls_fixture, a_blocking_job_is_answered_at_its_deadline_and_sees_the_cancel_flag) {
  auto p = pool::create(test::generic_spec(1, worker_strategy::next_worker, 50ms), threads,
                        generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  std::atomic<bool> job_saw_cancel{false}, job_ended{false};
  const auto started = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> answered_after_ms{-1};
  p->async_call(
      [&](job_context& ctx) {
        // Spins (never yields its thread) until cancelled, or for 5 s at most.
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (!ctx.cancelled() && std::chrono::steady_clock::now() < until) {
        }
        job_saw_cancel = ctx.cancelled();
        job_ended = true;
      },
      [&, h = results.handler(0)](call_result r) mutable {
        answered_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
        h(std::move(r));
      });
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_EQ(results.get(0).error, errc::timeout);
  // At the deadline, not when the job would have ended on its own (5 s); generous bound.
  EXPECT_LT(answered_after_ms.load(), 1000);
  ASSERT_TRUE(test::eventually([&] { return job_ended.load(); }));
  EXPECT_TRUE(job_saw_cancel.load());
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  EXPECT_EQ(results.duplicates(), 0);
  EXPECT_EQ(p->stats().calls.of(errc::timeout), 1u);
}

// An asynchronous job that holds its I/O thread (a long step between two suspensions) keeps the
// deadline timer from running: if it then ends after its deadline, the caller still hears
// `timeout`, never a success later than call_timeout.
TEST_F(calls_fixture, a_result_that_comes_after_the_deadline_is_answered_timeout) {
  auto p = pool::create(test::generic_spec(1, worker_strategy::next_worker, 30ms), threads,
                        generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  std::atomic<bool> job_ended{false};
  p->async_call(
      [&](job_context&) -> boost::asio::awaitable<void> {
        std::this_thread::sleep_for(150ms);  // the thread is held: no timer runs meanwhile
        job_ended = true;
        co_return;
      },
      results.handler(0));
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_TRUE(job_ended.load());
  EXPECT_EQ(results.get(0).error, errc::timeout) << results.get(0).diagnostics;
  EXPECT_EQ(p->stats().calls.of(errc::timeout), 1u);
  EXPECT_EQ(p->stats().calls.ok(), 0u);
  // The connection is fine: the next call succeeds.
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  EXPECT_EQ(results.duplicates(), 0);
}

TEST_F(calls_fixture, per_call_timeout_overrides_the_pool) {
  auto p = pool::create(test::generic_spec(1, worker_strategy::best_worker, std::nullopt), threads,
                        generic_driver_factory());
  p->async_call({.timeout = 20ms}, held.job(0), results.handler(0));
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_EQ(results.get(0).error, errc::timeout);
  held.open();
}

TEST_F(calls_fixture, full_mailbox_pushes_out_the_oldest_waiting) {
  auto spec = test::generic_spec(1, worker_strategy::next_worker, std::nullopt);
  spec.max_worker_queue_len = 2;
  auto p = pool::create(spec, threads, generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  for (int id = 0; id < 5; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(results.wait_for(2));
  EXPECT_EQ(results.get(1).error, errc::dropped);
  EXPECT_EQ(results.get(2).error, errc::dropped);
  held.open();
  ASSERT_TRUE(results.wait_for(5));
  for (int id : {0, 3, 4}) EXPECT_TRUE(results.get(id).ok()) << id;
  EXPECT_FALSE(held.ran(1));
  EXPECT_FALSE(held.ran(2));
  const auto s = p->stats();
  EXPECT_EQ(s.drops, 2u);
  EXPECT_EQ(s.calls.of(errc::dropped), 2u);
}

TEST_F(calls_fixture, zero_length_mailbox_drops_what_arrives_while_busy) {
  auto spec = test::generic_spec(1, worker_strategy::next_worker, std::nullopt);
  spec.max_worker_queue_len = 0;
  auto p = pool::create(spec, threads, generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  p->async_call(held.job(0), results.handler(0));
  p->async_call(held.job(1), results.handler(1));
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_EQ(results.get(1).error, errc::dropped);
  held.open();
  ASSERT_TRUE(results.wait_for(2));
  EXPECT_TRUE(results.get(0).ok());
}

TEST_F(calls_fixture, calls_wait_for_the_first_connection) {
  test::fake_backend backend;
  std::atomic<bool> allow{false};
  backend.connect_ok = [&](std::uint32_t) { return allow.load(); };
  auto spec = test::generic_spec(1, worker_strategy::best_worker);
  spec.reconnect_backoff_min = 1ms;
  spec.reconnect_backoff_max = 2ms;
  // One worker: while it is down the whole pool is down, so first let it succeed.
  allow = true;
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  p->async_call([](job_context&) {}, results.handler(0));  // likely before the connect completes
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_TRUE(results.get(0).ok());
}

TEST_F(calls_fixture, every_worker_down_fails_at_once_with_the_connect_error) {
  test::fake_backend backend;
  backend.connect_ok = [](std::uint32_t) { return false; };
  auto spec = test::generic_spec(2, worker_strategy::best_worker, std::nullopt);  // no timeout
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(test::eventually([&] {
    const auto s = p->stats();
    return s.per_worker[0].connect_failures >= 1 && s.per_worker[1].connect_failures >= 1;
  }));
  const call_result r = p->call([](job_context&) {});
  EXPECT_EQ(r.error, errc::disconnected);
  EXPECT_NE(r.diagnostics.find("connection refused (fake)"), std::string::npos) << r.diagnostics;
}

TEST_F(calls_fixture, stop_completes_everything_pending_with_shutting_down) {
  auto p = pool::create(test::generic_spec(2, worker_strategy::next_worker, std::nullopt), threads,
                        generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  for (int id = 0; id < 6; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(test::eventually([&] { return held.started_count() == 2; }));
  EXPECT_FALSE(p->stop());
  ASSERT_TRUE(results.wait_for(6));
  for (int id = 0; id < 6; ++id) EXPECT_EQ(results.get(id).error, errc::shutting_down) << id;
  EXPECT_EQ(held.finished_count(), 2u);  // the running jobs were cancelled, not left behind
  EXPECT_EQ(held.started_count(), 2u);   // the queued ones never ran
  p->async_call([](job_context&) {}, results.handler(6));
  ASSERT_TRUE(results.wait_for(7));
  EXPECT_EQ(results.get(6).error, errc::shutting_down);
  EXPECT_FALSE(p->stop());  // idempotent
  EXPECT_EQ(results.duplicates(), 0);
}

TEST_F(calls_fixture, completion_tokens_future_and_coroutine) {
  auto p = pool::create(test::generic_spec(2, worker_strategy::best_worker), threads,
                        generic_driver_factory());
  std::future<call_result> f =
      p->async_call([](job_context&) { return call_result::failure(errc::server_error, "no"); },
                    boost::asio::use_future);
  ASSERT_EQ(f.wait_for(test::patience), std::future_status::ready);
  const call_result r = f.get();
  EXPECT_EQ(r.error, errc::server_error);
  EXPECT_EQ(r.diagnostics, "no");

  boost::asio::io_context app;  // the application's own thread
  int ok = 0;
  boost::asio::co_spawn(
      app,
      [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < 10; ++i) {
          call_result x = co_await p->async_call([](job_context&) {}, boost::asio::use_awaitable);
          if (x.ok()) ++ok;
        }
      },
      boost::asio::detached);
  app.run_for(test::patience);
  EXPECT_EQ(ok, 10);

  const call_result thrown =
      p->call([](job_context&) -> call_result { throw std::runtime_error("boom"); });
  EXPECT_EQ(thrown.error, errc::job_failed);
  EXPECT_NE(thrown.diagnostics.find("boom"), std::string::npos);
}

}  // namespace
}  // namespace outpools
