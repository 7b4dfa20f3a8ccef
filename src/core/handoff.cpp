#include "outpools/detail/handoff.hpp"

#include <boost/asio/post.hpp>
#include <system_error>

#include <sys/eventfd.h>
#include <unistd.h>

namespace outpools::detail {
namespace {
constexpr int drain_budget = 256;  ///< nodes run per drain before the context's other work

/// Bumped whenever a queue is destroyed: a thread's cached (context → queue) lookup is valid only
/// while it is unchanged (another context may later be made at the same address).
std::atomic<std::uint64_t> queues_destroyed{0};
}  // namespace

handoff_queue::handoff_queue(boost::asio::io_context& context)
    : boost::asio::execution_context::service(context), context_(context) {}

handoff_queue::~handoff_queue() { queues_destroyed.fetch_add(1, std::memory_order_release); }

void handoff_queue::enable() {
  if (!wake_) {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    wake_.emplace(context_, fd);
    await_wake();
    // Published once waited on: a write before the wait would wake nobody (edge-triggered).
    wake_fd_.store(fd, std::memory_order_release);
  }
  enabled_.store(true, std::memory_order_release);
}

void handoff_queue::await_wake() {
  // A read, not a wait: Asio first tries it at once (the count is often there already), and
  // queues it without re-arming the descriptor in epoll (a wait costs an epoll_ctl each time).
  wake_->async_read_some(boost::asio::buffer(&wake_count_, sizeof wake_count_),
                         [this](boost::system::error_code ec, std::size_t) {
                           context_.get_executor().on_work_started();  // see below
                           if (ec) return;  // closed: the context is going away
                           await_wake();    // before draining: a write from now on is seen
                           drain();
                         });
  // The read is no work of the context's: without this, a context whose work is done would
  // never run out of work (run() would not return). Its handler gives the count back.
  context_.get_executor().on_work_finished();
}

void handoff_queue::submit(handoff_node* node) noexcept {
  handoff_node* head = head_.load(std::memory_order_relaxed);
  do {
    node->next_node = head;
  } while (!head_.compare_exchange_weak(head, node, std::memory_order_seq_cst,
                                        std::memory_order_relaxed));
  // Pairs with unwatch(): either it sees this node, or this sees armed_ false and posts.
  if (!armed_.load(std::memory_order_seq_cst) && !armed_.exchange(true, std::memory_order_seq_cst))
    wake();
}

void handoff_queue::unwatch() noexcept {
  armed_.store(false, std::memory_order_seq_cst);
  if (head_.load(std::memory_order_seq_cst) != nullptr &&
      !armed_.exchange(true, std::memory_order_seq_cst))
    schedule_drain();
}

void handoff_queue::schedule_drain() noexcept {
  // On the context's own thread a post takes no contended lock (from a handler, none at all) and
  // costs less than the eventfd's write, wake-up and read.
  boost::asio::post(context_, [this] { drain(); });
}

void handoff_queue::wake() noexcept {
  if (const int fd = wake_fd_.load(std::memory_order_acquire); fd >= 0) {
    const std::uint64_t one = 1;
    if (::write(fd, &one, sizeof one) == sizeof one) return;
  }
  schedule_drain();  // not enabled yet (or the write failed): Asio wakes the context
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
      // Let the context's sockets and timers run; the duty stays with the drain posted here.
      schedule_drain();
      return;
    }
  }
}

void handoff_queue::shutdown() {
  wake_fd_.store(-1, std::memory_order_release);
  wake_.reset();  // closes the eventfd while the reactor still exists
  for (handoff_node* n = take_all_fifo(); n != nullptr;) {
    handoff_node* next = n->next_node;
    n->complete(n, false);
    n = next;
  }
}

handoff_queue* enabled_handoff(boost::asio::io_context& context) {
  // A worker delivers to the same few callers' contexts over and over: remember the last one
  // rather than take the context's service registry lock for each completion.
  struct last_lookup {
    boost::asio::io_context* context = nullptr;
    handoff_queue* queue = nullptr;
    std::uint64_t generation = 0;
  };
  thread_local last_lookup last;
  const std::uint64_t generation = queues_destroyed.load(std::memory_order_acquire);
  if (last.context != &context || last.generation != generation) {
    last = {&context, &boost::asio::use_service<handoff_queue>(context), generation};
  }
  return last.queue->enabled() ? last.queue : nullptr;
}

}  // namespace outpools::detail
