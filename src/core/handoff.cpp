#include "outpools/detail/handoff.hpp"

#include <boost/asio/post.hpp>

namespace outpools::detail {
namespace {
constexpr int drain_budget = 256;  ///< nodes run per drain before the context's other work
}

handoff_queue::handoff_queue(boost::asio::io_context& context)
    : boost::asio::execution_context::service(context), context_(context) {}

handoff_queue::~handoff_queue() = default;

void handoff_queue::submit(handoff_node* node) noexcept {
  handoff_node* head = head_.load(std::memory_order_relaxed);
  do {
    node->next_node = head;
  } while (!head_.compare_exchange_weak(head, node, std::memory_order_seq_cst,
                                        std::memory_order_relaxed));
  // Pairs with unwatch(): either it sees this node, or this sees armed_ false and posts.
  if (!armed_.load(std::memory_order_seq_cst) && !armed_.exchange(true, std::memory_order_seq_cst))
    schedule_drain();
}

void handoff_queue::unwatch() noexcept {
  armed_.store(false, std::memory_order_seq_cst);
  if (head_.load(std::memory_order_seq_cst) != nullptr &&
      !armed_.exchange(true, std::memory_order_seq_cst))
    schedule_drain();
}

void handoff_queue::schedule_drain() noexcept {
  boost::asio::post(context_, [this] { drain(); });
}

handoff_node* handoff_queue::take_all_fifo() noexcept {
  handoff_node* lifo = head_.exchange(nullptr, std::memory_order_acquire);
  handoff_node* fifo = nullptr;
  while (lifo != nullptr) {
    handoff_node* next = lifo->next_node;
    lifo->next_node = fifo;
    fifo = lifo;
    lifo = next;
  }
  return fifo;
}

void handoff_queue::drain() {
  int budget = drain_budget;
  for (;;) {
    handoff_node* n = take_all_fifo();
    if (n == nullptr) {
      unwatch();
      return;
    }
    while (n != nullptr) {
      handoff_node* next = n->next_node;  // the node may be queued again by its own completion
      n->complete(n, true);
      n = next;
      --budget;
    }
    if (budget <= 0) {
      // Let the context's sockets and timers run; the duty stays with the drain just posted.
      schedule_drain();
      return;
    }
  }
}

void handoff_queue::shutdown() {
  for (handoff_node* n = take_all_fifo(); n != nullptr;) {
    handoff_node* next = n->next_node;
    n->complete(n, false);
    n = next;
  }
}

handoff_queue* enabled_handoff(boost::asio::io_context& context) {
  handoff_queue& q = boost::asio::use_service<handoff_queue>(context);
  return q.enabled() ? &q : nullptr;
}

}  // namespace outpools::detail
