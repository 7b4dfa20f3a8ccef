#include "outpools/io_threads.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>

#include <pthread.h>
#include <sched.h>

namespace outpools {
namespace {
thread_local const io_threads* current_threads = nullptr;
}

void run_with_spin(boost::asio::io_context& context, std::chrono::microseconds spin) {
  if (spin.count() <= 0) {
    context.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  while (!context.stopped()) {
    if (context.poll() > 0) continue;
    // Idle: poll a little longer before sleeping in run_one().
    bool found = false;
    const clock::time_point until = clock::now() + spin;
    while (!found && !context.stopped()) {
      for (int i = 0; i < 16 && !found; ++i) found = context.poll_one() > 0;
      if (found || clock::now() >= until) break;
      // On a machine with more runnable threads than cores, let the thread that would hand us
      // work run; on an idle core this returns at once.
      std::this_thread::yield();
    }
    if (!found && !context.stopped()) context.run_one();
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
  contexts_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  for (std::size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i, options] {
      current_threads = this;
      if (options.first_core) pin_current_thread(*options.first_core + static_cast<unsigned>(i));
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
  for (int round = 0; round < 2; ++round) {
    std::vector<std::future<void>> done;
    done.reserve(contexts_.size());
    for (auto& c : contexts_) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      boost::asio::post(*c, [promise] { promise->set_value(); });
    }
    for (auto& f : done) f.wait();
  }
}

}  // namespace outpools
