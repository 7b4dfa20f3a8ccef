// `outpools bench`: drives one pool with C concurrent callers and prints what happened.
// The callers are coroutines on an io_context of this (the application's) thread, so every call
// crosses to a worker's thread and back, as in an application.
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "outpools/pool_manager.hpp"
#include "outpools/rdbms/connection.hpp"
#include "outpools/status.hpp"

#include <random>
#include <thread>
#include <vector>

namespace outpools::cli {
namespace {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

struct bench_options {
  std::string file;
  std::string pool;
  std::uint32_t concurrency = 1;
  double duration_s = 0;
  std::uint64_t calls = 0;
  std::string job;               ///< generic pools: noop (when not given), sleep:MS or spin:US
  std::string query;             ///< rdbms: the statement (default SELECT 1)
  std::uint64_t random_key = 0;  ///< rdbms: pass a random integer in [1, N] as $1
  bool prepared = false;         ///< rdbms: run it as a prepared statement
  std::uint32_t io_threads = 0;  ///< 0: one per core, less the callers' thread (at least 1)
  bool no_pin = false;           ///< leave the threads where the scheduler puts them
  std::vector<unsigned> cpus;    ///< callers' thread on the first, I/O threads on the rest
  std::int64_t io_spin_us = -1;  ///< -1: default_io_spin
  bool json = false;
};

enum class job_kind { noop, sleep, spin };
struct job_spec {
  job_kind kind = job_kind::noop;
  std::uint32_t amount = 0;  ///< ms for sleep, µs for spin
};

// `query` cut at each `:key` (the pieces between them); one piece when it has none.
std::vector<std::string> split_at_key(const std::string& query) {
  constexpr std::string_view marker = ":key";
  std::vector<std::string> pieces;
  std::size_t from = 0;
  for (std::size_t at; (at = query.find(marker, from)) != std::string::npos;) {
    pieces.push_back(query.substr(from, at - from));
    from = at + marker.size();
  }
  pieces.push_back(query.substr(from));
  return pieces;
}

std::optional<job_spec> parse_job(const std::string& text) {
  if (text == "noop") return job_spec{};
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string kind = text.substr(0, colon);
  std::uint32_t amount = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, amount);
  if (ec != std::errc{} || end != last || first == last) return std::nullopt;
  if (kind == "sleep") return job_spec{job_kind::sleep, amount};
  if (kind == "spin") return job_spec{job_kind::spin, amount};
  return std::nullopt;
}

/// Measured inside the job, per worker (each worker's jobs run on one thread).
struct alignas(64) job_counters {
  std::atomic<std::uint64_t> executed{0};
  std::atomic<std::uint32_t> running{0}, max_running{0};

  void enter() {
    executed.fetch_add(1, std::memory_order_relaxed);
    const std::uint32_t now = running.fetch_add(1, std::memory_order_relaxed) + 1;
    if (now > max_running.load(std::memory_order_relaxed))
      max_running.store(now, std::memory_order_relaxed);
  }
  void leave() { running.fetch_sub(1, std::memory_order_relaxed); }
};

/// Everything the callers share; touched only on the caller thread.
struct run_state {
  std::uint64_t call_budget = 0;  ///< 0: until `end`
  clock_type::time_point end = clock_type::time_point::max();
  std::uint64_t issued = 0, completions = 0, duplicates = 0;
  outcome_counts outcomes;
  /// The diagnostics of the first call that failed so, for each outcome (empty: none did).
  std::array<std::string, outcome_slots> first_errors;
  latency_histogram latency;
  clock_type::time_point last_completion{};
  std::uint32_t active_callers = 0;
  std::function<void()> on_finished;
  std::function<bool()> interrupted;  ///< polled on the callers' thread: SIGINT/SIGTERM came
  bool was_interrupted = false;
  std::chrono::microseconds spin = default_io_spin;  ///< the callers' thread polls as the pool's

  /// After SIGINT/SIGTERM: no call is issued any more; those in flight complete.
  void stop_issuing() {
    was_interrupted = true;
    if (call_budget != 0) call_budget = issued;
    end = clock_type::now();
  }

  bool take_call() {
    if (call_budget != 0 ? issued >= call_budget : clock_type::now() >= end) return false;
    ++issued;
    return true;
  }
};

struct caller_slot {
  std::uint64_t seq = 0;
  bool done = true;
};

std::size_t outcome_slot(const call_result& r) {
  if (!r.error) return 0;
  if (r.error.category() == error_category() &&
      static_cast<std::size_t>(r.error.value()) < outcome_slots)
    return static_cast<std::size_t>(r.error.value());
  return static_cast<std::size_t>(errc::server_error);
}

template <typename Job>
asio::awaitable<void> caller(run_state& st, pool& p, Job job, caller_slot& slot) {
  auto ex = co_await asio::this_coro::executor;
  while (st.take_call()) {
    const std::uint64_t seq = ++slot.seq;
    slot.done = false;
    const auto t0 = clock_type::now();
    call_result r =
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(call_result)>(
            [&](auto h) {
              p.async_call(job, asio::bind_executor(ex, [h = std::move(h), &st, &slot,
                                                         seq](call_result result) mutable {
                             ++st.completions;  // every handler run, whatever the outcome
                             if (slot.done || slot.seq != seq) {
                               ++st.duplicates;
                               return;
                             }
                             slot.done = true;
                             std::move(h)(std::move(result));
                           }));
            },
            asio::use_awaitable);
    const auto t1 = clock_type::now();
    st.last_completion = t1;
    st.latency.record(t1 - t0);
    const std::size_t outcome = outcome_slot(r);
    ++st.outcomes.by_outcome[outcome];
    if (outcome != 0 && st.first_errors[outcome].empty())
      st.first_errors[outcome] = r.diagnostics.empty() ? "(no message)" : one_line(r.diagnostics);
  }
  if (--st.active_callers == 0 && st.on_finished) st.on_finished();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

template <typename Job>
void drive(run_state& st, pool& p, const Job& job, std::uint32_t concurrency, bool progress,
           clock_type::time_point& started) {
  asio::io_context app(1);
  std::vector<caller_slot> slots(concurrency);
  asio::steady_timer ticker(app);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::seconds{1});
    ticker.async_wait([&](boost::system::error_code ec) {
      if (ec || st.active_callers == 0) return;  // ended meanwhile: see the watcher below
      const double s = std::chrono::duration<double>(clock_type::now() - started).count();
      std::fprintf(stderr, "\r%llu calls, %.0f calls/s   ",
                   static_cast<unsigned long long>(st.completions),
                   static_cast<double>(st.completions) / s);
      tick();
    });
  };
  // SIGINT/SIGTERM end the run early: looked for every 50 ms.
  asio::steady_timer watcher(app);
  std::function<void()> watch = [&] {
    watcher.expires_after(std::chrono::milliseconds{50});
    watcher.async_wait([&](boost::system::error_code ec) {
      // The run may have ended after the timer expired but before this ran: cancel() came too
      // late to stop it, so it must not wait again (it would keep the context running).
      if (ec || st.active_callers == 0) return;
      if (st.interrupted && st.interrupted()) {
        st.stop_issuing();
        return;
      }
      watch();
    });
  };
  st.on_finished = [&] {
    ticker.cancel();
    watcher.cancel();
  };
  st.active_callers = concurrency;
  started = clock_type::now();
  for (auto& slot : slots) asio::co_spawn(app, caller(st, p, job, slot), asio::detached);
  if (progress) tick();
  if (st.interrupted) watch();
  run_with_spin(app, st.spin);
  if (progress) std::fprintf(stderr, "\r%60s\r", "");
}

// `pool` is the name of the instance driven (the host's own pool, or the global one it falls
// back to), as `up` names it.
std::string json_report(const bench_options& o, const std::string& pool, const run_state& st,
                        std::uint64_t executed, std::uint32_t max_per_worker, double elapsed,
                        double cpu) {
  const latency_summary l = st.latency.summary();
  std::ostringstream out;
  out << "{\"pool\":" << boost::json::serialize(boost::json::string(pool))
      << ",\"concurrency\":" << o.concurrency << ",\"calls\":" << st.issued
      << ",\"completions\":" << st.completions << ",\"duplicate_completions\":" << st.duplicates
      << ",\"ok\":" << st.outcomes.ok() << ",\"errors\":{";
  for (std::size_t i = 1; i < outcome_slots; ++i)
    out << (i > 1 ? "," : "") << '"' << errc_name(static_cast<errc>(i))
        << "\":" << st.outcomes.by_outcome[i];
  // Why calls failed: the first diagnostics of each outcome seen.
  out << "},\"first_errors\":{";
  bool first = true;
  for (std::size_t i = 1; i < outcome_slots; ++i) {
    if (st.first_errors[i].empty()) continue;
    out << (first ? "" : ",") << '"' << errc_name(static_cast<errc>(i))
        << "\":" << boost::json::serialize(boost::json::string(st.first_errors[i]));
    first = false;
  }
  out << "},\"executed\":" << executed << ",\"max_concurrent_per_worker\":" << max_per_worker
      << ",\"elapsed_s\":" << elapsed
      << ",\"calls_per_s\":" << (elapsed > 0 ? static_cast<double>(st.completions) / elapsed : 0)
      << ",\"cpu_us_per_call\":" << (st.issued > 0 ? cpu * 1e6 / static_cast<double>(st.issued) : 0)
      << ",\"latency_us\":{"
      << "\"p50\":" << l.p50_us << ",\"p90\":" << l.p90_us << ",\"p99\":" << l.p99_us
      << ",\"max\":" << l.max_us << "}}";
  return out.str();
}

// What an rdbms bench runs, for the report: the statement, and how.
std::string rdbms_job_name(const bench_options& o) {
  std::string name = o.query.empty() ? "SELECT 1" : o.query;
  if (o.random_key > 0) name += " with a random key in [1, " + std::to_string(o.random_key) + "]";
  if (o.prepared) name += ", prepared";
  return name;
}

// Waits as `up` does (wait_settled: every worker connected or failed once, bounded by
// connect_timeout, or until `interrupted`). Returns "" when all of `spec`'s workers are
// connected, else why not: how many are, and the pool's last connection error.
std::string wait_all_connected(const pool_manager& manager, const pool& p, const pool_spec& spec,
                               const std::function<bool()>& interrupted) {
  configuration just_this;
  just_this.pools.push_back(spec);
  if (!wait_settled(manager, just_this, std::chrono::milliseconds(250), interrupted))
    return "interrupted while it connected";
  const pool_stats s = p.stats();
  if (s.workers_connected == s.per_worker.size()) return {};
  return std::to_string(s.workers_connected) + " of " + std::to_string(s.per_worker.size()) +
         " workers connected (a bench needs them all); last error: " +
         (s.last_connect_error.empty() ? std::string("none yet, still connecting")
                                       : s.last_connect_error);
}

int run_bench(const bench_options& o) {
  const std::string job_text = o.job.empty() ? "noop" : o.job;
  const std::optional<job_spec> job = parse_job(job_text);
  if (!job) {
    std::cerr << "bench: --job must be noop, sleep:MS or spin:US, not \"" << o.job << "\"\n";
    return exit_bad_input;
  }
  if ((o.duration_s > 0) == (o.calls > 0)) {
    std::cerr << "bench: give exactly one of --duration SECONDS and --calls N\n";
    return exit_bad_input;
  }
  std::optional<configuration> config = load_or_report(o.file);
  if (!config) return exit_bad_input;
  std::string not_found;
  const pool_spec* spec = find_pool(*config, o.pool, not_found);
  if (spec == nullptr) {
    std::cerr << "bench: " << not_found << '\n';
    return exit_bad_input;
  }
  if (spec->type != pool_type::rdbms && spec->type != pool_type::generic) {
    std::cerr << "bench: " << o.pool << " is a " << to_string(spec->type)
              << " pool; bench drives generic and rdbms pools\n";
    return exit_bad_input;
  }
  if ((!o.query.empty() || o.random_key > 0 || o.prepared) && spec->type != pool_type::rdbms) {
    std::cerr << "bench: --query, --random-key and --prepared are for rdbms pools\n";
    return exit_bad_input;
  }
  if (spec->type == pool_type::rdbms && !o.job.empty()) {
    std::cerr << "bench: --job is for generic pools; an rdbms pool runs --query (default "
                 "SELECT 1)\n";
    return exit_bad_input;
  }
  if (o.random_key > 0 && o.query.empty()) {
    std::cerr << "bench: --random-key passes a parameter: give --query with a placeholder for "
                 "it ($1 for pgsql, ? for mysql and odbc, or :key for the key as text)\n";
    return exit_bad_input;
  }
  // `:key` in the query: the key is written into the statement's text, as pgbench -M simple
  // does with its variables, and the statement goes without parameters.
  const std::vector<std::string> key_text_pieces = split_at_key(o.query);
  if (key_text_pieces.size() > 1 && (o.random_key == 0 || o.prepared)) {
    std::cerr << "bench: :key in --query is the random key written as text: it needs "
                 "--random-key, and a prepared statement takes the key as a parameter ($1 or ?) "
                 "instead\n";
    return exit_bad_input;
  }

  std::uint32_t io_threads = o.io_threads;
  if (io_threads == 0) io_threads = std::max(1u, std::thread::hardware_concurrency() - 1);
  // The callers' thread on core 0 and I/O thread i on core 1 + i, unless --no-pin; with --cpus
  // LIST, the callers' thread on LIST's first core and the I/O threads on the others in turn
  // (all on that one core when LIST has one).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned c : o.cpus) {
    if (c >= cores) {
      std::cerr << "bench: --cpus " << c << ": this machine has cores 0.." << cores - 1 << '\n';
      return exit_bad_input;
    }
  }
  io_thread_options thread_options;
  if (o.io_spin_us >= 0) thread_options.spin = std::chrono::microseconds(o.io_spin_us);
  if (!o.cpus.empty()) {
    pin_current_thread(o.cpus.front());
    thread_options.cores.assign(o.cpus.size() > 1 ? o.cpus.begin() + 1 : o.cpus.begin(),
                                o.cpus.end());
  } else if (!o.no_pin) {
    pin_current_thread(0);
    for (std::uint32_t i = 0; i < io_threads; ++i) thread_options.cores.push_back((1 + i) % cores);
  }
  // SIGINT/SIGTERM end the run early (see run_state::stop_issuing): blocked before any thread.
  stop_signals stop;
  pool_manager manager(io_threads, thread_options);
  register_builtin_drivers(manager);
  std::string why;
  if (manager.start_pool(*spec, &why)) {
    std::cerr << "bench: " << why << '\n';
    return exit_failed;
  }
  std::shared_ptr<pool> p = manager.find(spec->type, spec->host, spec->tag);
  if (std::string not_up = wait_all_connected(manager, *p, *spec, [&stop] { return stop.take(); });
      !not_up.empty()) {
    std::cerr << "bench: pool " << o.pool << ": " << not_up << '\n';
    return exit_failed;
  }

  std::vector<job_counters> counters(spec->workers);
  run_state st;
  st.spin = thread_options.spin;
  st.interrupted = [&stop] { return stop.take(); };
  if (o.calls > 0) st.call_budget = o.calls;
  const bool progress = !o.json && isatty(STDERR_FILENO) != 0;
  clock_type::time_point started;
  const double cpu0 = cpu_seconds();
  if (o.duration_s > 0)
    st.end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>(o.duration_s));
  const std::uint32_t amount = job->amount;
  if (spec->type == pool_type::rdbms) {
    // One statement per call, on the worker's own connection (no pipelining).
    const std::string sql = o.query.empty() ? "SELECT 1" : o.query;
    drive(
        st, *p,
        [&counters, &key_text_pieces, sql, random_key = o.random_key,
         prepared = o.prepared](job_context& ctx) -> asio::awaitable<call_result> {
          counters[ctx.worker].enter();
          thread_local std::minstd_rand random(std::random_device{}());
          std::vector<rdbms::value> params;
          std::string text;
          if (random_key > 0) {
            const auto key = static_cast<std::int64_t>(1 + random() % random_key);
            if (key_text_pieces.size() > 1) {
              text = key_text_pieces.front();
              for (std::size_t i = 1; i < key_text_pieces.size(); ++i)
                text.append(std::to_string(key)).append(key_text_pieces[i]);
            } else {
              params.emplace_back(key);
            }
          }
          const std::string& statement = text.empty() ? sql : text;
          auto& connection = static_cast<rdbms::connection&>(*ctx.connection);
          // (GCC 12 mis-destroys a co_await's temporary inside ?:, hence the if.)
          rdbms::query_result r;
          if (prepared) {
            r = co_await connection.execute("bench", statement, params);
          } else {
            r = co_await connection.query(statement, params);
          }
          counters[ctx.worker].leave();
          co_return static_cast<call_result&>(r);
        },
        o.concurrency, progress, started);
  } else
    switch (job->kind) {
      case job_kind::noop:
        drive(
            st, *p,
            [&counters](job_context& ctx) {
              counters[ctx.worker].enter();
              counters[ctx.worker].leave();
            },
            o.concurrency, progress, started);
        break;
      case job_kind::spin:
        drive(
            st, *p,
            [&counters, amount](job_context& ctx) {
              counters[ctx.worker].enter();
              const auto until = clock_type::now() + std::chrono::microseconds{amount};
              while (clock_type::now() < until) {
              }
              counters[ctx.worker].leave();
            },
            o.concurrency, progress, started);
        break;
      case job_kind::sleep:
        drive(
            st, *p,
            [&counters, amount](job_context& ctx) -> asio::awaitable<void> {
              counters[ctx.worker].enter();
              asio::steady_timer t(ctx.executor, std::chrono::milliseconds{amount});
              auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
              (void)ec;
              counters[ctx.worker].leave();
            },
            o.concurrency, progress, started);
        break;
    }
  if (st.was_interrupted)
    std::cerr << "bench: interrupted: no call issued after the signal; the figures are those of "
                 "the calls made until then\n";
  // From the first call to the last completion: 0 when nothing completed.
  const double elapsed =
      st.completions > 0
          ? std::max(0.0, std::chrono::duration<double>(st.last_completion - started).count())
          : 0.0;
  const double cpu = cpu_seconds() - cpu0;
  p->stop();
  std::uint64_t executed = 0;
  std::uint32_t max_per_worker = 0;
  for (const auto& c : counters) {
    executed += c.executed.load();
    max_per_worker = std::max(max_per_worker, c.max_running.load());
  }

  const bool consistent =
      st.completions == st.issued && st.duplicates == 0 && st.outcomes.total() == st.issued;
  if (o.json) {
    std::cout << json_report(o, spec->name(), st, executed, max_per_worker, elapsed, cpu) << '\n';
  } else {
    const latency_summary l = st.latency.summary();
    std::cout << "pool " << one_line(spec->name()) << ", " << o.concurrency << " callers, job "
              << (spec->type == pool_type::rdbms ? rdbms_job_name(o) : job_text) << '\n'
              << "calls " << st.issued << ", completions " << st.completions << ", duplicates "
              << st.duplicates << ", ok " << st.outcomes.ok() << '\n';
    for (std::size_t i = 1; i < outcome_slots; ++i)
      if (st.outcomes.by_outcome[i] != 0)
        std::cout << "  " << errc_name(static_cast<errc>(i)) << ' ' << st.outcomes.by_outcome[i]
                  << ", the first: " << st.first_errors[i] << '\n';
    std::cout << "executed " << executed << ", max concurrent per worker " << max_per_worker << '\n'
              << "elapsed " << elapsed << " s, "
              << (elapsed > 0 ? static_cast<double>(st.completions) / elapsed : 0)
              << " calls/s, cpu " << (st.issued ? cpu * 1e6 / static_cast<double>(st.issued) : 0)
              << " us/call\n"
              << "latency us: p50 " << l.p50_us << ", p90 " << l.p90_us << ", p99 " << l.p99_us
              << ", max " << l.max_us << '\n';
  }
  if (!consistent) {
    std::cerr << "bench: inconsistent completions (a bug): see completions and duplicates\n";
    return exit_failed;
  }
  return exit_ok;
}

}  // namespace

void register_bench_command(CLI::App& app, command_list& commands) {
  auto o = std::make_shared<bench_options>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Drive one pool with concurrent callers and print throughput and latency");
  sub->add_option("file", o->file, "Configuration file (TOML)")->required();
  sub->add_option("--pool", o->pool, "The pool: TYPE.TAG or TYPE.TAG@HOST")->required();
  sub->add_option("--concurrency", o->concurrency, "Concurrent callers")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  auto* duration = sub->add_option("--duration", o->duration_s, "Run for SECONDS (at most 30 days)")
                       ->check(above_zero("seconds", 30 * 86400.0));
  auto* calls = sub->add_option("--calls", o->calls, "Make N calls")->check(above_zero("calls"));
  duration->excludes(calls);
  sub->add_option("--job", o->job,
                  "Generic pools: noop (the default), sleep:MS (an asynchronous wait) or spin:US "
                  "(CPU)");
  sub->add_option("--query", o->query, "rdbms: the statement each call runs (default SELECT 1)");
  sub->add_option("--random-key", o->random_key,
                  "rdbms: pass a random integer in [1, N] as the first parameter, or write it "
                  "where the query says :key (as text, without parameters)")
      ->check(above_zero("keys"));
  sub->add_flag("--prepared", o->prepared, "rdbms: run the statement as a prepared statement");
  sub->add_option("--io-threads", o->io_threads,
                  "Pool I/O threads (default: one per core less the callers' thread, at least 1)")
      ->check(CLI::Range(1u, 256u));
  sub->add_option("--io-spin", o->io_spin_us,
                  "Microseconds a thread polls before it sleeps (default: the library's)")
      ->check(CLI::Range(0, 1000000));
  auto* no_pin = sub->add_flag(
      "--no-pin", o->no_pin,
      "Do not pin the callers' thread to core 0 and the I/O threads to the next cores");
  sub->add_option("--cpus", o->cpus,
                  "Cores to pin to, comma-separated: the callers' thread on the first, the I/O "
                  "threads on the others in turn (all on it when only one is given)")
      ->delimiter(',')
      ->excludes(no_pin);
  sub->add_flag("--json", o->json, "Print one JSON object");
  add_log_level_option(*sub);
  commands.emplace_back(sub, [o] { return run_bench(*o); });
}

}  // namespace outpools::cli
