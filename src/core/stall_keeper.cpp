#include "core/stall_keeper.hpp"

namespace outpools::detail {
namespace {
constexpr auto tick = std::chrono::milliseconds{1};
constexpr int idle_ticks_before_sleep = 200;
}  // namespace

stall_keeper::stall_keeper(std::size_t slots)
    : slots_(std::make_unique<slot[]>(slots)), count_(slots), thread_([this] { run(); }) {}

stall_keeper::~stall_keeper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  for (request* r : held_) r->release();
}

bool stall_keeper::arm(slot& s, request* r) noexcept {
  if (s.running.load(std::memory_order_relaxed) != nullptr) return false;
  r->add_ref();
  s.deadline.store(r->deadline.time_since_epoch().count(), std::memory_order_relaxed);
  // Pairs with run(): either the keeper sees the slot in use, or this sees it asleep.
  s.running.store(r, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst)) {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_one();
  }
  return true;
}

void stall_keeper::disarm(slot& s) noexcept {
  // Null: the keeper took the request (it answered it, or is about to) and releases it itself.
  if (request* r = s.running.exchange(nullptr, std::memory_order_acq_rel)) r->release();
}

bool stall_keeper::any_armed() const noexcept {
  for (std::size_t i = 0; i < count_; ++i)
    if (slots_[i].running.load(std::memory_order_seq_cst) != nullptr) return true;
  return false;
}

void stall_keeper::answer_if_overdue(slot& s, clock::time_point now) noexcept {
  if (s.running.load(std::memory_order_acquire) == nullptr) return;
  if (s.deadline.load(std::memory_order_relaxed) > now.time_since_epoch().count()) return;
  request* r = s.running.exchange(nullptr, std::memory_order_acq_rel);
  if (r == nullptr) return;                 // the job returned meanwhile
  if (!settle(r, now)) held_.push_back(r);  // another job, armed since we looked: not overdue
}

bool stall_keeper::settle(request* r, clock::time_point now) noexcept {
  if (r->delivered.load(std::memory_order_acquire)) {  // its job ended and it was answered
    r->release();
    return true;
  }
  if (r->deadline > now) return false;
  // Marked before the claim: if the claim wins, the worker's lost claim sees the mark (and counts
  // the timeout); if it loses, the worker delivered and never looks at the mark.
  r->answered_elsewhere_at = now;
  r->answered_elsewhere.store(true, std::memory_order_release);
  if (r->claim_delivery()) {
    r->cancel_flag.store(true, std::memory_order_relaxed);
    r->deliver(call_result::failure(errc::timeout,
                                    "call_timeout elapsed while the job was running (it blocks its "
                                    "I/O thread); it was asked to cancel"));
  }
  r->release();
  return true;
}

void stall_keeper::run() {
  int idle_ticks = 0;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    const clock::time_point now = clock::now();
    bool busy = false;
    for (std::size_t i = 0; i < count_; ++i) {
      if (slots_[i].running.load(std::memory_order_relaxed) != nullptr) busy = true;
      answer_if_overdue(slots_[i], now);
    }
    std::erase_if(held_, [&](request* r) { return settle(r, now); });
    busy = busy || !held_.empty();
    idle_ticks = busy ? 0 : idle_ticks + 1;
    lock.lock();
    if (idle_ticks < idle_ticks_before_sleep) {
      wake_.wait_for(lock, tick, [this] { return stop_; });
      continue;
    }
    // Nothing ran synchronously for a while: sleep until a slot is used again.
    sleeping_.store(true, std::memory_order_seq_cst);
    if (!any_armed()) wake_.wait(lock, [this] { return stop_ || woken_; });
    sleeping_.store(false, std::memory_order_relaxed);
    woken_ = false;
    idle_ticks = 0;
  }
}

}  // namespace outpools::detail
