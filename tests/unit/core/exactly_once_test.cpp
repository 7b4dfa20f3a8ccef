// Every call completes exactly once: many caller threads, two I/O threads, short timeouts, small
// mailboxes, jobs of every kind, and a stop in the middle of it all. Run under TSan too.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <random>

#include "test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;

void stress(worker_strategy strategy) {
  constexpr int callers = 4;
  constexpr int calls_per_caller = 1500;
  constexpr int total = callers * calls_per_caller;
  io_threads threads{2};
  auto spec = test::generic_spec(6, strategy, 2ms);
  spec.max_worker_queue_len = 3;
  auto p = pool::create(spec, threads, generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));

  std::vector<std::atomic<int>> completions(total);
  std::atomic<int> done{0};
  std::atomic<int> started_jobs{0};
  std::vector<std::thread> threads_of_callers;
  for (int c = 0; c < callers; ++c) {
    threads_of_callers.emplace_back([&, c] {
      std::minstd_rand rng(static_cast<unsigned>(c + 1));
      for (int i = 0; i < calls_per_caller; ++i) {
        const int id = c * calls_per_caller + i;
        auto handler = [&, id](call_result) {
          completions[id].fetch_add(1);
          done.fetch_add(1);
        };
        const int kind = static_cast<int>(rng() % 4);
        if (kind == 0) {
          p->async_call([&](job_context&) { ++started_jobs; }, handler);
        } else if (kind == 1) {
          p->async_call(
              [&](job_context& ctx) -> boost::asio::awaitable<call_result> {
                ++started_jobs;
                boost::asio::steady_timer t(ctx.executor, 1ms);
                co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
                co_return call_result::success();
              },
              handler);
        } else if (kind == 2) {
          p->async_call(
              {.key = "k", .timeout = 1ms},
              [&, long_spin = i % 8 == 0](job_context& ctx) {
                ++started_jobs;
                // Some overrun their 1 ms: the stall keeper answers them while they block.
                const auto until = std::chrono::steady_clock::now() + (long_spin ? 3000us : 100us);
                while (!ctx.cancelled() && std::chrono::steady_clock::now() < until) {
                }
              },
              handler);
        } else {
          p->async_call([&](job_context&) -> call_result { throw std::logic_error("x"); }, handler);
        }
        if (c == 0 && i == calls_per_caller * 3 / 4) {
          // Stop while calls fly: once a third of all calls completed.
          EXPECT_TRUE(test::eventually([&] { return done.load() >= total / 3; }));
          p->stop();
        }
      }
    });
  }
  for (auto& t : threads_of_callers) t.join();
  ASSERT_TRUE(test::eventually([&] { return done.load() >= total; }));
  EXPECT_FALSE(p->stop());
  threads.drain();
  for (int id = 0; id < total; ++id) ASSERT_EQ(completions[id].load(), 1) << "call " << id;
  EXPECT_EQ(done.load(), total);
}

TEST(exactly_once, best_worker) { stress(worker_strategy::best_worker); }
TEST(exactly_once, random_worker) { stress(worker_strategy::random_worker); }
TEST(exactly_once, available_worker) { stress(worker_strategy::available_worker); }
TEST(exactly_once, next_available_worker) { stress(worker_strategy::next_available_worker); }
TEST(exactly_once, hash_worker) { stress(worker_strategy::hash_worker); }

}  // namespace
}  // namespace outpools
