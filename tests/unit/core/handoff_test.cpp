// The lock-free hand-off between threads: every node runs exactly once, in each sender's order,
// on the receiving context's thread, whether that thread spins (run_with_spin), sleeps, or runs a
// plain run(); nodes left when the context goes away are discarded, not leaked. Run under TSan.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <thread>
#include <vector>

#include "outpools/detail/handoff.hpp"
#include "outpools/io_threads.hpp"
#include "test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;
using detail::handoff_node;
using detail::handoff_queue;

// What the nodes of one test record; written on the receiving thread (or at discard) only.
struct tally {
  std::vector<int> last_seq;  ///< per sender
  std::thread::id receiver;
  std::atomic<int> ran{0}, discarded{0}, out_of_order{0}, wrong_thread{0};
  explicit tally(int senders) : last_seq(static_cast<std::size_t>(senders), 0) {}
};

struct counted_node : handoff_node {
  tally& t;
  int sender, seq;

  counted_node(tally& into, int s, int n) : t(into), sender(s), seq(n) {
    complete = [](handoff_node* self, bool run) {
      auto* n = static_cast<counted_node*>(self);
      tally& t = n->t;
      if (run) {
        if (t.last_seq[n->sender] + 1 != n->seq) t.out_of_order.fetch_add(1);
        t.last_seq[n->sender] = n->seq;
        if (std::this_thread::get_id() != t.receiver) t.wrong_thread.fetch_add(1);
        t.ran.fetch_add(1);
      } else {
        t.discarded.fetch_add(1);
      }
      delete n;
    };
  }
};

// Senders on `senders` threads hand `per_sender` nodes each to a context run by `run`.
void hand_off_from_many_threads(std::chrono::microseconds spin, bool plain_run) {
  constexpr int senders = 4, per_sender = 20000;
  boost::asio::io_context context(1);
  auto guard = boost::asio::make_work_guard(context);
  tally t(senders);
  std::thread runner([&] {
    t.receiver = std::this_thread::get_id();
    if (plain_run) {
      context.run();
    } else {
      run_with_spin(context, spin);
    }
  });
  // Wait until the receiving thread has started (and, for run_with_spin, enabled the queue).
  std::promise<void> running;
  boost::asio::post(context, [&] { running.set_value(); });
  running.get_future().wait();

  auto& queue = boost::asio::use_service<handoff_queue>(context);
  EXPECT_EQ(queue.enabled(), !plain_run);
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 1; i <= per_sender; ++i) {
        queue.submit(new counted_node(t, s, i));
        if (i % 1000 == 0) std::this_thread::sleep_for(100us);  // let the receiver fall asleep
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(test::eventually([&] { return t.ran.load() == senders * per_sender; }))
      << t.ran.load() << " of " << senders * per_sender << " ran";
  guard.reset();
  context.stop();
  runner.join();
  EXPECT_EQ(t.ran.load(), senders * per_sender);
  EXPECT_EQ(t.discarded.load(), 0);
  EXPECT_EQ(t.out_of_order.load(), 0);
  EXPECT_EQ(t.wrong_thread.load(), 0);
}

TEST(handoff, every_node_runs_once_in_order_on_a_spinning_thread) {
  hand_off_from_many_threads(50us, false);
}

TEST(handoff, every_node_runs_once_in_order_on_a_thread_that_never_spins) {
  hand_off_from_many_threads(0us, false);
}

TEST(handoff, a_context_run_by_plain_run_is_served_too) { hand_off_from_many_threads(0us, true); }

TEST(handoff, nodes_left_when_the_context_is_destroyed_are_discarded) {
  tally t(1);
  {
    boost::asio::io_context context(1);
    auto& queue = boost::asio::use_service<handoff_queue>(context);
    for (int i = 1; i <= 3; ++i) queue.submit(new counted_node(t, 0, i));
  }  // never run: LeakSanitizer would see the nodes if they were dropped
  EXPECT_EQ(t.ran.load(), 0);
  EXPECT_EQ(t.discarded.load(), 3);
}

// Callers as coroutines on an application context whose hand-off queue is enabled (completions
// come back through it): every call completes exactly once, on the caller's thread, and the
// context's run returns once the callers are done (the queue's wake-up is no work of its own).
void awaiting_callers_complete_exactly_once(bool spinning) {
  constexpr int callers = 64, calls_each = 500;
  io_threads threads{1};
  auto p = pool::create(test::generic_spec(8, worker_strategy::best_worker), threads,
                        generic_driver_factory());
  ASSERT_TRUE(p->wait_connected(test::patience));
  boost::asio::io_context app(1);
  std::thread::id app_thread;
  int ok = 0, wrong_thread = 0, finished = 0;
  for (int c = 0; c < callers; ++c) {
    boost::asio::co_spawn(
        app,
        [&]() -> boost::asio::awaitable<void> {
          for (int i = 0; i < calls_each; ++i) {
            call_result r = co_await p->async_call([](job_context&) {}, boost::asio::use_awaitable);
            if (std::this_thread::get_id() != app_thread) ++wrong_thread;
            if (r.ok()) ++ok;
          }
          ++finished;
        },
        boost::asio::detached);
  }
  std::thread runner([&] {
    app_thread = std::this_thread::get_id();
    if (spinning) {
      run_with_spin(app, 50us);
    } else {
      enable_handoff(app);
      app.run();
    }
  });
  runner.join();  // returns once every caller finished: nothing else keeps `app` running
  EXPECT_EQ(finished, callers);
  EXPECT_EQ(ok, callers * calls_each);
  EXPECT_EQ(wrong_thread, 0);
  EXPECT_EQ(p->stats().calls.ok(), static_cast<std::uint64_t>(callers * calls_each));
  EXPECT_TRUE(boost::asio::use_service<handoff_queue>(app).enabled());
  EXPECT_FALSE(p->stop());
}

TEST(handoff, awaiting_callers_on_a_spinning_context_complete_exactly_once) {
  awaiting_callers_complete_exactly_once(true);
}

TEST(handoff, awaiting_callers_on_an_enabled_plain_run_context_complete_exactly_once) {
  awaiting_callers_complete_exactly_once(false);
}

}  // namespace
}  // namespace outpools
