// mailbox.hpp — a worker's queue of waiting requests: intrusive FIFO, bounded at enqueue time.
#pragma once

#include <cstddef>
#include <optional>

#include "outpools/detail/request.hpp"

namespace outpools::detail {

/// Requests waiting for one worker, oldest first (the running request is not in it). Links through
/// request::prev/next, so pushing allocates nothing. Invariant: size() is the number of linked
/// requests, and a request is in at most one mailbox. Not thread-safe (the worker's thread).
class mailbox {
 public:
  /// `max_len`: most requests that may wait (rabbit's max_worker_queue_len); nullopt: unbounded.
  explicit mailbox(std::optional<std::size_t> max_len = std::nullopt) noexcept
      : max_len_(max_len) {}

  /// Enqueues `r` and returns the request that must complete with `dropped`, if any: when
  /// size() == max_len ≥ 1, the oldest waiting request (pushed out, r is appended); when max_len
  /// is 0, `r` itself unless the worker can start it right now (`can_start_now`: idle and
  /// connected).
  request* push(request* r, bool can_start_now) noexcept {
    if (max_len_) {
      if (*max_len_ == 0) {
        if (!can_start_now || head_ != nullptr) return r;
      } else if (size_ >= *max_len_) {
        request* oldest = pop_front();
        link_back(r);
        return oldest;
      }
    }
    link_back(r);
    return nullptr;
  }

  /// Appends `r` ignoring the bound (a request handed back). Never drops.
  void push_unbounded(request* r) noexcept { link_back(r); }

  /// Removes and returns the oldest request, or null.
  request* pop_front() noexcept {
    request* r = head_;
    if (r != nullptr) unlink(r);
    return r;
  }

  /// Removes `r`, which must be in this mailbox.
  void unlink(request* r) noexcept {
    (r->prev ? r->prev->next : head_) = r->next;
    (r->next ? r->next->prev : tail_) = r->prev;
    r->prev = r->next = nullptr;
    --size_;
  }

  request* front() const noexcept { return head_; }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  std::optional<std::size_t> max_len() const noexcept { return max_len_; }

 private:
  void link_back(request* r) noexcept {
    r->next = nullptr;
    r->prev = tail_;
    (tail_ ? tail_->next : head_) = r;
    tail_ = r;
    ++size_;
  }

  std::optional<std::size_t> max_len_;
  request* head_ = nullptr;
  request* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace outpools::detail
