// The dispatch path of a pool, per strategy, with a no-op job: C caller coroutines on the
// benchmark's thread, W workers on one I/O thread. Beside it, the reference: a bare Asio round
// trip (a coroutine posts itself to the other thread's io_context and back). Each pool figure
// carries `vs_bare`, its rate over the bare round trip's with the same number of callers,
// measured in the same run. The callers' io_context runs either with a plain run() (`run`:
// completions reach it through asio::post) or with run_with_spin (`spin`: completions reach it
// through its hand-off queue, and its thread polls 50 µs before it sleeps, as the I/O threads do).
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <string>
#include <vector>

#include "outpools/pool.hpp"

namespace {

namespace asio = boost::asio;
using namespace outpools;

std::map<std::string, double>& bare_rates() {  // by "callers/mode"
  static std::map<std::string, double> rates;
  return rates;
}

enum caller_mode : int { plain_run = 0, spinning = 1 };

std::int64_t batch_of(int callers) { return callers == 1 ? 20000 : 200000; }

/// Runs `total` operations split over `callers` coroutines made by `one(remaining)`.
template <typename MakeCaller>
void run_batch(int callers, std::int64_t total, caller_mode mode, MakeCaller one) {
  asio::io_context app(1);
  std::int64_t remaining = total;
  for (int c = 0; c < callers; ++c) asio::co_spawn(app, one(remaining), asio::detached);
  if (mode == spinning) {
    run_with_spin(app, default_io_spin);
  } else {
    app.run();
  }
}

void bare_round_trip(benchmark::State& state) {
  const int callers = static_cast<int>(state.range(0));
  const auto mode = static_cast<caller_mode>(state.range(2));
  io_threads other(1);
  auto target = other.context(0).get_executor();
  const std::int64_t batch = batch_of(callers);
  for (auto _ : state) {
    run_batch(callers, batch, mode, [&](std::int64_t& remaining) -> asio::awaitable<void> {
      while (remaining-- > 0) co_await asio::post(target, asio::use_awaitable);
    });
  }
  const double rate = static_cast<double>(batch) * static_cast<double>(state.iterations());
  state.counters["calls_per_s"] = benchmark::Counter(rate, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(rate));
}

void pool_dispatch(benchmark::State& state, worker_strategy strategy) {
  const int callers = static_cast<int>(state.range(0));
  const auto mode = static_cast<caller_mode>(state.range(2));
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
    run_batch(callers, batch, mode, [&](std::int64_t& remaining) -> asio::awaitable<void> {
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
      // "NAME/CALLERS/WORKERS/MODE/real_time": the key is CALLERS/MODE.
      const std::string name = run.benchmark_name();
      std::vector<std::string> parts;
      for (std::size_t at = 0; at <= name.size();) {
        const std::size_t end = std::min(name.find('/', at), name.size());
        parts.push_back(name.substr(at, end - at));
        at = end + 1;
      }
      std::size_t first_number = 0;
      while (first_number < parts.size() &&
             (parts[first_number].empty() ||
              parts[first_number].find_first_not_of("0123456789") != std::string::npos))
        ++first_number;
      if (first_number + 2 >= parts.size()) continue;
      const std::string key = parts[first_number] + "/" + parts[first_number + 2];
      const double per_s =
          run.counters.count("calls_per_s") ? run.counters.at("calls_per_s").value : 0;
      if (name.rfind("bare_round_trip", 0) == 0) {
        bare_rates()[key] = per_s;
      } else if (bare_rates().count(key)) {
        run.counters["vs_bare"] = per_s / bare_rates()[key];
      }
    }
    ConsoleReporter::ReportRuns(copy);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (caller_mode mode : {plain_run, spinning}) {
    for (int callers : {1, 16, 256}) {
      benchmark::RegisterBenchmark("bare_round_trip", bare_round_trip)
          ->Args({callers, 0, mode})
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      for (worker_strategy s :
           {worker_strategy::best_worker, worker_strategy::random_worker,
            worker_strategy::next_worker, worker_strategy::available_worker,
            worker_strategy::next_available_worker, worker_strategy::hash_worker}) {
        const int workers = callers == 1 ? 1 : callers == 16 ? 10 : 100;
        benchmark::RegisterBenchmark(("pool/" + std::string(to_string(s))).c_str(), pool_dispatch,
                                     s)
            ->Args({callers, workers, mode})
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
