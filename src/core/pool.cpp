#include "outpools/pool.hpp"

#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "core/pool_impl.hpp"
#include "core/strategy.hpp"
#include "core/worker.hpp"

namespace outpools {

using detail::clock;
using detail::no_worker;

pool::impl::impl(pool_spec s, io_threads& t) : spec(std::move(s)), name(spec.name()), threads(t) {}

pool::impl::~impl() = default;

void pool::impl::fail(detail::request* r, errc e, std::string diagnostics) {
  outcomes[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
  (void)r->claim_delivery();  // never seen by a worker: nobody else can have claimed it
  r->deliver(call_result::failure(e, std::move(diagnostics)));
  r->release();
}

void pool::impl::set_worker_down(std::uint32_t, bool down, const std::string& error) {
  if (!down) {
    down_count.fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  record_error(error);
  if (down_count.fetch_add(1, std::memory_order_acq_rel) + 1 == workers.size()) {
    // Every worker failed: what waits would wait in vain until its timeout.
    for (auto& w : workers) w->post_flush_disconnected();
    if (shared) {
      const std::string why = last_error();
      for (detail::request* r : shared->take_all()) fail(r, errc::disconnected, why);
    }
  }
}

void pool::impl::record_error(const std::string& error) {
  std::lock_guard lock(error_mutex);
  last_error_text = error;
}

void pool::impl::set_worker_connected(std::uint32_t index, bool connected) {
  if (connected) {
    loads[index].fetch_and(~detail::not_connected_bit, std::memory_order_relaxed);
    connected_count.fetch_add(1, std::memory_order_relaxed);
  } else {
    loads[index].fetch_or(detail::not_connected_bit, std::memory_order_relaxed);
    connected_count.fetch_sub(1, std::memory_order_relaxed);
  }
}

std::string pool::impl::last_error() const {
  std::lock_guard lock(error_mutex);
  return "every worker of pool " + name + " failed to connect; last error: " + last_error_text;
}

void pool::impl::worker_stopped() {
  std::lock_guard lock(stopped_mutex);
  ++workers_stopped;
  stopped_cv.notify_all();
}

std::shared_ptr<pool> pool::create(pool_spec spec, io_threads& threads, driver_factory drivers,
                                   std::size_t first_thread) {
  auto i = std::make_unique<impl>(std::move(spec), threads);
  const std::uint32_t n = std::max<std::uint32_t>(1, i->spec.workers);
  i->spec.workers = n;
  i->loads = std::make_unique<detail::load_word[]>(n);
  for (std::uint32_t w = 0; w < n; ++w) i->loads[w].store(detail::not_connected_bit);
  if (i->spec.strategy == worker_strategy::available_worker) {
    i->shared = std::make_unique<detail::shared_queue>(
        threads.context(first_thread % threads.size()).get_executor(),
        [p = i.get()](detail::request* r) {
          p->fail(r, errc::timeout, "call_timeout elapsed while waiting for an available worker");
        });
  }
  i->workers.reserve(n);
  for (std::uint32_t w = 0; w < n; ++w) {
    const std::size_t thread = (first_thread + w) % threads.size();
    auto& context = threads.context(thread);
    i->workers.push_back(std::make_unique<detail::worker>(
        *i, w, context, threads.stall_keeper(), threads.stall_keeper().at(thread),
        drivers(i->spec, w, context.get_executor())));
  }
  for (auto& w : i->workers) w->post_start();
  return std::shared_ptr<pool>(new pool(std::move(i)));
}

pool::pool(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

pool::~pool() {
  if (!impl_) return;
  if (!io_threads::in_any_io_thread()) {
    stop();
  } else if (!impl_->stopped) {
    // Destroyed on an I/O thread without stop(): the workers cannot be waited for here, so they
    // are leaked deliberately rather than destroyed under their own feet.
    (void)impl_.release();
  }
}

const pool_spec& pool::spec() const noexcept { return impl_->spec; }
const std::string& pool::name() const noexcept { return impl_->name; }

pool::executor_type pool::default_executor() const noexcept {
  return impl_->workers.front()->executor();
}

void pool::dispatch(detail::request* r, const call_options& options) {
  impl& p = *impl_;
  p.dispatching.fetch_add(1, std::memory_order_seq_cst);
  struct leave {
    impl& p;
    ~leave() { p.dispatching.fetch_sub(1, std::memory_order_release); }
  } guard{p};

  if (p.stopping.load(std::memory_order_seq_cst)) {
    p.fail(r, errc::shutting_down, "pool " + p.name + " is stopping");
    return;
  }
  const clock::time_point now = clock::now();
  r->created = now;
  const auto timeout = options.timeout ? options.timeout : p.spec.call_timeout;
  if (timeout) r->deadline = now + *timeout;

  const std::size_t n = p.workers.size();
  if (p.down_count.load(std::memory_order_acquire) == n) {
    p.fail(r, errc::disconnected, p.last_error());
    return;
  }
  std::span<detail::load_word> loads(p.loads.get(), n);
  std::size_t w = no_worker;
  switch (p.spec.strategy) {
    case worker_strategy::best_worker: {
      thread_local std::size_t rotation = 0;
      w = detail::pick_best(loads, rotation++);
      loads[w].fetch_add(1, std::memory_order_relaxed);
      break;
    }
    case worker_strategy::random_worker:
      w = detail::pick_random(n);
      loads[w].fetch_add(1, std::memory_order_relaxed);
      break;
    case worker_strategy::hash_worker:
      if (options.key) {
        w = detail::pick_by_hash(*options.key, n);
        loads[w].fetch_add(1, std::memory_order_relaxed);
        break;
      }
      [[fallthrough]];
    case worker_strategy::next_worker:
      w = p.next_index.fetch_add(1, std::memory_order_relaxed) % n;
      loads[w].fetch_add(1, std::memory_order_relaxed);
      break;
    case worker_strategy::next_available_worker:
      w = detail::claim_next_available(loads, p.next_index.fetch_add(1, std::memory_order_relaxed));
      if (w == no_worker) {
        std::string why = "every worker of pool " + p.name + " is busy or disconnected";
        if (p.connected_count.load(std::memory_order_relaxed) == 0) {
          std::lock_guard lock(p.error_mutex);  // none connected: say why, as other pools do
          if (!p.last_error_text.empty())
            why += "; none is connected, last error: " + p.last_error_text;
        }
        p.fail(r, errc::no_available_workers, why);
        return;
      }
      break;
    case worker_strategy::available_worker:
      w = p.shared->submit(r);
      if (w == no_worker) return;  // queued pool-wide
      loads[w].fetch_add(1, std::memory_order_relaxed);
      break;
  }
  r->worker = static_cast<std::uint32_t>(w);
  p.workers[w]->post_request(r);
}

pool_stats pool::stats() const {
  const impl& p = *impl_;
  pool_stats s;
  s.name = p.name;
  s.workers = static_cast<std::uint32_t>(p.workers.size());
  for (std::size_t i = 0; i < outcome_slots; ++i)
    s.calls.by_outcome[i] = p.outcomes[i].load(std::memory_order_relaxed);
  latency_histogram merged;
  s.per_worker.reserve(p.workers.size());
  for (const auto& w : p.workers) {
    worker_stats ws = w->stats();
    if (ws.connected) ++s.workers_connected;
    s.queue_length += ws.queue_length;
    s.in_flight += ws.in_flight;
    s.calls += ws.calls;
    s.reconnects += ws.reconnects;
    s.drops += ws.drops;
    s.per_worker.push_back(std::move(ws));
  }
  for (const auto& w : p.workers) merged.merge(w->latency());
  s.latency = merged.summary();
  if (p.shared) s.queue_length += p.shared->size();
  {
    std::lock_guard lock(p.error_mutex);
    s.last_connect_error = p.last_error_text;
  }
  return s;
}

bool pool::wait_connected(std::chrono::milliseconds timeout) const {
  const auto until = clock::now() + timeout;
  for (;;) {
    if (impl_->connected_count.load(std::memory_order_relaxed) == impl_->workers.size())
      return true;
    if (clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
}

std::error_code pool::stop() {
  if (io_threads::in_any_io_thread()) return make_error_code(errc::invalid_argument);
  impl& p = *impl_;
  std::lock_guard stop_lock(p.stop_mutex);
  if (p.stopped) return {};
  p.stopping.store(true, std::memory_order_seq_cst);
  // Calls that passed the stopping check finish their post first.
  while (p.dispatching.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  if (p.shared) {
    for (detail::request* r : p.shared->take_all())
      p.fail(r, errc::shutting_down, "pool " + p.name + " is stopping");
  }
  for (auto& w : p.workers) w->post_stop();
  {
    std::unique_lock lock(p.stopped_mutex);
    p.stopped_cv.wait(lock, [&] { return p.workers_stopped == p.workers.size(); });
  }
  if (p.shared) {
    p.shared->stop();
    // A request handed back by a worker that went down may have been queued meanwhile.
    for (detail::request* r : p.shared->take_all())
      p.fail(r, errc::shutting_down, "pool " + p.name + " is stopping");
  }
  p.threads.drain();  // every handler that refers to the workers has run
  p.stopped = true;
  return {};
}

struct pool::detail_waiter::state {
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<call_result> result;
};

std::shared_ptr<pool::detail_waiter::state> pool::detail_waiter::make_state() {
  return std::make_shared<state>();
}

void pool::detail_waiter::set(call_result r) {
  std::lock_guard lock(state_->mutex);
  state_->result = std::move(r);
  state_->cv.notify_all();
}

call_result pool::detail_waiter::wait() {
  std::unique_lock lock(state_->mutex);
  state_->cv.wait(lock, [&] { return state_->result.has_value(); });
  return std::move(*state_->result);
}

call_result pool::blocking_on_io_thread() {
  return call_result::failure(errc::invalid_argument,
                              "a blocking call was made on an I/O thread (it could deadlock); "
                              "use async_call there");
}

}  // namespace outpools
