#include "outpools/io_threads.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>

#include "core/stall_keeper.hpp"
#include "outpools/detail/handoff.hpp"

#include <pthread.h>
#include <sched.h>

namespace outpools {
namespace {
thread_local const io_threads* current_threads = nullptr;

// Sets a promise when it runs: what io_threads::drain() waits for, behind every earlier hand-off.
// Owns itself: deleted when it runs (the waiter may be gone by the time set_value returns).
struct drain_marker final : detail::handoff_node {
  std::shared_ptr<std::promise<void>> reached = std::make_shared<std::promise<void>>();
  drain_marker() {
    complete = [](handoff_node* self, bool) {
      std::shared_ptr<std::promise<void>> p = std::move(static_cast<drain_marker*>(self)->reached);
      delete static_cast<drain_marker*>(self);
      p->set_value();
    };
  }
};
}  // namespace

void enable_handoff(boost::asio::io_context& context) {
  boost::asio::use_service<detail::handoff_queue>(context).enable();
}

void run_with_spin(boost::asio::io_context& context, std::chrono::microseconds spin) {
  auto& handoffs = boost::asio::use_service<detail::handoff_queue>(context);
  handoffs.enable();
  if (spin.count() <= 0) {
    context.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  while (!context.stopped()) {
    if (context.poll() > 0) continue;
    // Idle: watch the hand-off queue (senders then post nothing, and take no lock of ours) and
    // poll the context now and then, for a while, before sleeping in run_one().
    const bool watching = handoffs.watch();
    bool handed = false, polled = false;
    const clock::time_point until = clock::now() + spin;
    while (!context.stopped()) {
      // The queue's head is one atomic load; poll_one() (what was posted, timers, sockets) takes
      // the context's mutex and an epoll_wait(0).
      for (int i = 0; i < 16 && !handed && !polled; ++i) {
        handed = handoffs.pending();
        if (!handed) polled = context.poll_one() > 0;
      }
      if (handed || polled || clock::now() >= until) break;
      // On a machine with more runnable threads than cores, let the thread that would hand us
      // work run; on an idle core this returns at once.
      std::this_thread::yield();
    }
    if (watching) {
      if (handed) {
        handoffs.schedule_drain();  // the duty passes to the drain, which poll() runs next
      } else {
        handoffs.unwatch();
      }
    }
    if (!handed && !polled && !context.stopped()) context.run_one();
  }
}

bool pin_current_thread(unsigned core) noexcept {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core % cores, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

io_threads::io_threads(std::size_t count, io_thread_options options) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  keeper_ = std::make_unique<detail::stall_keeper>(count);
  contexts_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  for (std::size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i, options] {
      current_threads = this;
      if (!options.cores.empty()) pin_current_thread(options.cores[i % options.cores.size()]);
      run_with_spin(*contexts_[i], options.spin);
    });
  }
}

io_threads::~io_threads() {
  guards_.clear();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_) t.join();
}

bool io_threads::in_io_thread() const noexcept { return current_threads == this; }
bool io_threads::in_any_io_thread() noexcept { return current_threads != nullptr; }

void io_threads::drain() {
  // Twice: a handler run in the first round may post one more (a cancelled timer's completion).
  // Each round waits for what was posted to a context (the marker's own post) and then for what
  // was handed off to it (the marker, queued behind every earlier hand-off).
  for (int round = 0; round < 2; ++round) {
    std::vector<std::future<void>> reached;
    reached.reserve(contexts_.size());
    for (auto& c : contexts_) {
      auto* m = new drain_marker;
      reached.push_back(m->reached->get_future());
      boost::asio::post(
          *c, [c = c.get(), m] { boost::asio::use_service<detail::handoff_queue>(*c).submit(m); });
    }
    for (auto& f : reached) f.wait();
  }
}

}  // namespace outpools
