// embed: load a configuration, start its pools, and make calls through the library.
//   embed CONFIG.toml    → exit 0 when every call behaved as expected
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "outpools/config.hpp"
#include "outpools/generic_client.hpp"
#include "outpools/pool_manager.hpp"

int main(int argc, char** argv) {
  using namespace outpools;
  if (argc != 2) {
    std::cerr << "usage: embed CONFIG.toml\n";
    return 2;
  }
  load_result loaded = load_config_file(argv[1]);
  for (const diagnostic& d : loaded.diagnostics) std::cerr << d.to_string() << '\n';
  if (loaded.has_errors()) return 2;

  pool_manager manager;
  std::string why;
  if (manager.start_all(loaded.config, &why)) std::cerr << why;

  // A blocking call through the generic client (host localhost falls back to the global pool).
  generic_client client(manager, "default", "localhost");
  int answer = 0;
  call_result r = client.run([&](job_context&) { answer = 42; });
  std::cout << "blocking call: " << (r.ok() ? "ok" : r.error.message()) << ", answer " << answer
            << '\n';

  // Asynchronous calls from the application's own io_context, as coroutines.
  auto p = manager.find(pool_type::generic, std::nullopt, "default");
  boost::asio::io_context app;
  int ok = 0, timed_out = 0;
  boost::asio::co_spawn(
      app,
      [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < 100; ++i) {
          call_result x = co_await p->async_call([](job_context&) {}, boost::asio::use_awaitable);
          ok += x.ok();
        }
        // A job longer than call_timeout (1000 ms) is answered `timeout` at the deadline.
        call_result slow = co_await p->async_call(
            {.timeout = std::chrono::milliseconds{50}},
            [](job_context& ctx) -> boost::asio::awaitable<void> {
              boost::asio::steady_timer t(ctx.executor, std::chrono::milliseconds{200});
              co_await t.async_wait(boost::asio::use_awaitable);
            },
            boost::asio::use_awaitable);
        timed_out += slow.error == errc::timeout;
      },
      boost::asio::detached);
  app.run();
  const pool_stats s = p->stats();
  std::cout << "async calls ok: " << ok << ", timed out: " << timed_out << ", pool " << s.name
            << " ok " << s.calls.ok() << ", p99 " << s.latency.p99_us << " us\n";
  return r.ok() && answer == 42 && ok == 100 && timed_out == 1 ? 0 : 1;
}
