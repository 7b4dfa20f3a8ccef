// Each strategy's promise, checked deterministically: one caller thread, jobs held by a gate.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <set>

#include "test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;
using test::gate;
using test::recorder;

struct pool_fixture : ::testing::Test {
  io_threads threads{1};
  recorder results;
  gate held;

  std::shared_ptr<pool> start(const pool_spec& spec, driver_factory f = generic_driver_factory()) {
    auto p = pool::create(spec, threads, std::move(f));
    EXPECT_TRUE(p->wait_connected(test::patience));
    return p;
  }
};

std::vector<std::uint64_t> busy_per_worker(const pool& p) {
  std::vector<std::uint64_t> out;
  for (const worker_stats& w : p.stats().per_worker) out.push_back(w.in_flight + w.queue_length);
  return out;
}

TEST_F(pool_fixture, best_worker_prefers_idle_then_least_loaded) {
  auto p = start(test::generic_spec(3, worker_strategy::best_worker));
  for (int id = 0; id < 3; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(test::eventually([&] { return held.started_count() == 3; }));
  std::set<std::uint32_t> workers;
  for (const auto& e : held.started()) workers.insert(e.worker);
  EXPECT_EQ(workers.size(), 3u);  // a busy worker is not idle: three calls, three workers
  for (int id = 3; id < 9; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(test::eventually([&] {
    const auto s = p->stats();
    return s.in_flight + s.queue_length == 9;
  }));
  EXPECT_EQ(busy_per_worker(*p), (std::vector<std::uint64_t>{3, 3, 3}));
  held.open();
  ASSERT_TRUE(results.wait_for(9));
  for (int id = 0; id < 9; ++id) EXPECT_TRUE(results.get(id).ok()) << id;
  EXPECT_EQ(p->stats().calls.ok(), 9u);
}

TEST_F(pool_fixture, best_worker_never_picks_a_disconnected_worker_while_one_is_connected) {
  test::fake_backend backend;
  backend.connect_ok = [](std::uint32_t w) { return w == 0; };
  auto spec = test::generic_spec(2, worker_strategy::best_worker);
  auto p = pool::create(spec, threads, test::fake_factory(backend));
  ASSERT_TRUE(test::eventually([&] {
    const auto s = p->stats();
    return s.workers_connected == 1 && s.per_worker[1].connect_failures >= 1;
  }));
  for (int id = 0; id < 5; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(test::eventually([&] { return busy_per_worker(*p)[0] == 5; }));
  EXPECT_EQ(busy_per_worker(*p)[1], 0u);
  held.open();
  ASSERT_TRUE(results.wait_for(5));
  for (const auto& e : held.started()) EXPECT_EQ(e.worker, 0u);
}

TEST_F(pool_fixture, next_worker_is_round_robin) {
  auto p = start(test::generic_spec(3, worker_strategy::next_worker));
  std::mutex m;
  std::map<int, std::uint32_t> where;
  for (int id = 0; id < 9; ++id)
    p->async_call(
        [&, id](job_context& ctx) {
          std::lock_guard lock(m);
          where[id] = ctx.worker;
        },
        results.handler(id));
  ASSERT_TRUE(results.wait_for(9));
  for (int id = 1; id < 9; ++id) EXPECT_EQ(where[id], (where[0] + id) % 3) << id;
}

TEST_F(pool_fixture, random_worker_uses_every_worker) {
  auto p = start(test::generic_spec(3, worker_strategy::random_worker));
  std::array<std::atomic<int>, 3> count{};
  for (int id = 0; id < 3000; ++id)
    p->async_call([&](job_context& ctx) { ++count[ctx.worker]; }, results.handler(id));
  ASSERT_TRUE(results.wait_for(3000));
  for (auto& c : count) {
    EXPECT_GT(c.load(), 800);  // expected 1000, standard deviation about 26
    EXPECT_LT(c.load(), 1200);
  }
}

TEST_F(pool_fixture, available_worker_queues_pool_wide_and_serves_oldest_first) {
  auto p = start(test::generic_spec(2, worker_strategy::available_worker));
  for (int id = 0; id < 2; ++id) p->async_call(held.job(id), results.handler(id));
  ASSERT_TRUE(test::eventually([&] { return held.started_count() == 2; }));
  for (int id = 2; id < 6; ++id) p->async_call(held.job(id), results.handler(id));
  const auto s = p->stats();
  EXPECT_EQ(s.queue_length, 4u);  // all in the pool-wide queue, none in a mailbox
  for (const auto& w : s.per_worker) EXPECT_EQ(w.queue_length, 0u);
  held.open();
  ASSERT_TRUE(results.wait_for(6));
  const auto order = held.started();
  ASSERT_EQ(order.size(), 6u);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(order[i].id, i);  // FIFO
}

TEST_F(pool_fixture, next_available_worker_fails_at_once_when_all_are_busy) {
  auto p = start(test::generic_spec(2, worker_strategy::next_available_worker));
  p->async_call(held.job(0), results.handler(0));
  p->async_call(held.job(1), results.handler(1));
  p->async_call(held.job(2), results.handler(2));
  ASSERT_TRUE(results.wait_for(1));  // the third, at once, while the gate is closed
  EXPECT_EQ(results.get(2).error, errc::no_available_workers);
  EXPECT_FALSE(results.has(0));
  EXPECT_FALSE(results.has(1));
  held.open();
  ASSERT_TRUE(results.wait_for(3));
  EXPECT_TRUE(results.get(0).ok());
  EXPECT_TRUE(results.get(1).ok());
  // Idle again: the next call is served.
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  EXPECT_FALSE(held.ran(2));
  EXPECT_EQ(p->stats().calls.of(errc::no_available_workers), 1u);
}

TEST_F(pool_fixture, next_available_worker_is_free_again_when_its_caller_hears_back) {
  auto p = start(test::generic_spec(1, worker_strategy::next_available_worker));
  boost::asio::io_context app;  // a caller on its own thread: it hears back through a post
  int ok = 0;
  boost::asio::co_spawn(
      app,
      [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < 500; ++i) {
          call_result r = co_await p->async_call([](job_context&) {}, boost::asio::use_awaitable);
          ok += r.ok() ? 1 : 0;
        }
      },
      boost::asio::detached);
  app.run_for(test::patience);
  EXPECT_EQ(ok, 500);
}

TEST_F(pool_fixture, hash_worker_keeps_a_key_on_one_worker) {
  auto p = start(test::generic_spec(4, worker_strategy::hash_worker));
  std::set<std::uint32_t> alice, everyone;
  for (int i = 0; i < 40; ++i) {
    std::uint32_t w = 99;
    ASSERT_TRUE(p->call([&](job_context& ctx) { w = ctx.worker; }, {.key = "alice"}).ok());
    alice.insert(w);
    const std::string key = "user" + std::to_string(i);
    ASSERT_TRUE(p->call([&](job_context& ctx) { w = ctx.worker; }, {.key = key}).ok());
    everyone.insert(w);
  }
  EXPECT_GT(everyone.size(), 1u);
  EXPECT_EQ(alice.size(), 1u);
}

}  // namespace
}  // namespace outpools
