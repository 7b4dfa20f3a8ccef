#include "core/shared_queue.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/strategy.hpp"

namespace outpools::detail {

shared_queue::shared_queue(boost::asio::io_context::executor_type timer_executor,
                           std::function<void(request*)> expire)
    : timer_(timer_executor), expire_(std::move(expire)) {}

std::size_t shared_queue::submit(request* r) {
  std::lock_guard lock(mutex_);
  if (!idle_.empty()) {
    const std::uint32_t w = idle_.front();
    idle_.pop_front();
    return w;
  }
  queue_.push_unbounded(r);
  size_.store(queue_.size(), std::memory_order_relaxed);
  if (r->deadline < armed_for_) arm_locked(r->deadline);
  return no_worker;
}

request* shared_queue::take_or_park(std::uint32_t worker, std::vector<request*>& expired) {
  const clock::time_point now = clock::now();
  std::lock_guard lock(mutex_);
  while (request* r = queue_.pop_front()) {
    if (r->deadline <= now) {
      expired.push_back(r);
      continue;
    }
    size_.store(queue_.size(), std::memory_order_relaxed);
    return r;
  }
  size_.store(0, std::memory_order_relaxed);
  if (std::find(idle_.begin(), idle_.end(), worker) == idle_.end()) idle_.push_back(worker);
  return nullptr;
}

void shared_queue::unpark(std::uint32_t worker) {
  std::lock_guard lock(mutex_);
  idle_.erase(std::remove(idle_.begin(), idle_.end(), worker), idle_.end());
}

std::vector<request*> shared_queue::take_all() {
  std::vector<request*> all;
  std::lock_guard lock(mutex_);
  while (request* r = queue_.pop_front()) all.push_back(r);
  size_.store(0, std::memory_order_relaxed);
  return all;
}

void shared_queue::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

// Timer state changes run on the timer's thread; the lock orders them with submit().
void shared_queue::arm_locked(clock::time_point deadline) {
  if (stopped_) return;
  armed_for_ = deadline;
  boost::asio::post(timer_.get_executor(), [this, deadline] {
    timer_.expires_at(deadline);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) on_timer();
    });
  });
}

void shared_queue::on_timer() {
  std::vector<request*> expired;
  {
    std::lock_guard lock(mutex_);
    const clock::time_point now = clock::now();
    clock::time_point next = clock::time_point::max();
    for (request* r = queue_.front(); r != nullptr;) {
      request* following = r->next;
      if (r->deadline <= now) {
        queue_.unlink(r);
        expired.push_back(r);
      } else {
        next = std::min(next, r->deadline);
      }
      r = following;
    }
    size_.store(queue_.size(), std::memory_order_relaxed);
    armed_for_ = clock::time_point::max();
    if (next != clock::time_point::max()) arm_locked(next);
  }
  for (request* r : expired) expire_(r);
}

}  // namespace outpools::detail
