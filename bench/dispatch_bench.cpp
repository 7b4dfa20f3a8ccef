// The dispatch path of a pool, per strategy, with a no-op job: C caller coroutines on the
// benchmark's thread, W workers on one I/O thread. Beside it, the reference: a bare Asio round
// trip (a coroutine posts itself to the other thread's io_context and back). Each pool figure
// carries `vs_bare`, its rate over the bare round trip's with the same number of callers,
// measured in the same run.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "outpools/pool.hpp"

namespace {

namespace asio = boost::asio;
using namespace outpools;

std::map<int, double>& bare_rates() {
  static std::map<int, double> rates;
  return rates;
}

std::int64_t batch_of(int callers) { return callers == 1 ? 20000 : 200000; }

/// Runs `total` operations split over `callers` coroutines made by `one(remaining)`.
template <typename MakeCaller>
void run_batch(int callers, std::int64_t total, MakeCaller one) {
  asio::io_context app(1);
  std::int64_t remaining = total;
  for (int c = 0; c < callers; ++c) asio::co_spawn(app, one(remaining), asio::detached);
  app.run();
}

void bare_round_trip(benchmark::State& state) {
  const int callers = static_cast<int>(state.range(0));
  io_threads other(1);
  auto target = other.context(0).get_executor();
  const std::int64_t batch = batch_of(callers);
  for (auto _ : state) {
    run_batch(callers, batch, [&](std::int64_t& remaining) -> asio::awaitable<void> {
      while (remaining-- > 0) co_await asio::post(target, asio::use_awaitable);
    });
  }
  const double rate = static_cast<double>(batch) * static_cast<double>(state.iterations());
  state.counters["calls_per_s"] = benchmark::Counter(rate, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(rate));
}

void pool_dispatch(benchmark::State& state, worker_strategy strategy) {
  const int callers = static_cast<int>(state.range(0));
  pool_spec spec;
  spec.type = pool_type::generic;
  spec.tag = "bench";
  spec.workers = static_cast<std::uint32_t>(state.range(1));
  spec.strategy = strategy;
  io_threads threads(1);
  auto p = pool::create(spec, threads, generic_driver_factory());
  p->wait_connected(std::chrono::seconds{10});
  const std::int64_t batch = batch_of(callers);
  std::int64_t ok = 0;
  for (auto _ : state) {
    run_batch(callers, batch, [&](std::int64_t& remaining) -> asio::awaitable<void> {
      while (remaining-- > 0) {
        call_result r = co_await p->async_call([](job_context&) {}, asio::use_awaitable);
        ok += r.ok() ? 1 : 0;
      }
    });
  }
  p->stop();
  const double calls = static_cast<double>(batch) * static_cast<double>(state.iterations());
  state.counters["calls_per_s"] = benchmark::Counter(calls, benchmark::Counter::kIsRate);
  state.counters["ok_fraction"] = static_cast<double>(ok) / calls;
  state.SetItemsProcessed(static_cast<std::int64_t>(calls));
}

// The ratio against the bare round trip is printed by a reporter hook below.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> copy = runs;
    for (Run& run : copy) {
      const std::string name = run.benchmark_name();
      int callers = 0;
      for (std::size_t at = 0; at < name.size();) {  // the first all-digit component
        const std::size_t end = std::min(name.find('/', at), name.size());
        const std::string part = name.substr(at, end - at);
        if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos) {
          callers = std::stoi(part);
          break;
        }
        at = end + 1;
      }
      const double per_s =
          run.counters.count("calls_per_s") ? run.counters.at("calls_per_s").value : 0;
      if (name.rfind("bare_round_trip", 0) == 0) {
        bare_rates()[callers] = per_s;
      } else if (bare_rates().count(callers)) {
        run.counters["vs_bare"] = per_s / bare_rates()[callers];
      }
    }
    ConsoleReporter::ReportRuns(copy);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int callers : {1, 16, 256}) {
    benchmark::RegisterBenchmark("bare_round_trip", bare_round_trip)
        ->Args({callers, 0})
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    for (worker_strategy s :
         {worker_strategy::best_worker, worker_strategy::random_worker,
          worker_strategy::next_worker, worker_strategy::available_worker,
          worker_strategy::next_available_worker, worker_strategy::hash_worker}) {
      const int workers = callers == 1 ? 1 : callers == 16 ? 10 : 100;
      benchmark::RegisterBenchmark(("pool/" + std::string(to_string(s))).c_str(), pool_dispatch, s)
          ->Args({callers, workers})
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
