// The pool manager: starting a configuration, host → global fallback, run-time start and stop.
#include "outpools/pool_manager.hpp"

#include <gtest/gtest.h>

#include "outpools/generic_client.hpp"
#include "test_support.hpp"

namespace outpools {
namespace {

pool_spec spec_of(pool_type type, std::string tag, std::optional<std::string> host) {
  pool_spec s = test::generic_spec(2, worker_strategy::best_worker);
  s.type = type;
  s.tag = std::move(tag);
  s.host = std::move(host);
  if (s.host) s.scope = pool_scope::host;
  return s;
}

TEST(pool_manager, finds_the_hosts_pool_else_the_global_one) {
  pool_manager manager(2);
  configuration config;
  config.hosts = {"a.com", "b.com"};
  config.pools = {spec_of(pool_type::generic, "default", std::nullopt),
                  spec_of(pool_type::generic, "default", "b.com"),
                  spec_of(pool_type::generic, "other", "a.com")};
  EXPECT_FALSE(manager.start_all(config));

  auto global = manager.find(pool_type::generic, std::nullopt, "default");
  ASSERT_TRUE(global);
  EXPECT_EQ(global->name(), "generic.default");
  EXPECT_EQ(manager.find(pool_type::generic, std::string("a.com"), "default"), global);
  auto b = manager.find(pool_type::generic, std::string("b.com"), "default");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name(), "generic.default@b.com");
  EXPECT_TRUE(manager.find(pool_type::generic, std::string("a.com"), "other"));
  EXPECT_FALSE(manager.find(pool_type::generic, std::string("b.com"), "other"));
  EXPECT_FALSE(manager.find(pool_type::generic, std::nullopt, "other"));
  EXPECT_FALSE(manager.find(pool_type::redis, std::nullopt, "default"));
  EXPECT_EQ(manager.stats().size(), 3u);

  // Through the generic client: the host's pool runs the job; a missing pool is reported.
  generic_client on_b(manager, "default", "b.com");
  std::string where;
  EXPECT_TRUE(on_b.run([&](job_context&) { where = "ran"; }).ok());
  EXPECT_EQ(where, "ran");
  EXPECT_EQ(b->stats().calls.ok(), 1u);
  EXPECT_EQ(global->stats().calls.ok(), 0u);
  generic_client missing(manager, "nope", "b.com");
  EXPECT_EQ(missing.run([](job_context&) {}).error, errc::pool_not_found);
  test::recorder results;
  missing.async_run([](job_context&) {}, results.handler(1));
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_EQ(results.get(1).error, errc::pool_not_found);

  // Stop the host's pool at run time: calls for b.com fall back to the global pool.
  EXPECT_FALSE(manager.stop_pool(pool_type::generic, std::string("b.com"), "default"));
  EXPECT_EQ(manager.find(pool_type::generic, std::string("b.com"), "default"), global);
  EXPECT_EQ(b->call([](job_context&) {}).error, errc::shutting_down);
  EXPECT_EQ(manager.stop_pool(pool_type::generic, std::string("b.com"), "default"),
            errc::pool_not_found);
  // And start one at run time.
  EXPECT_FALSE(manager.start_pool(spec_of(pool_type::generic, "late", std::nullopt)));
  EXPECT_TRUE(manager.find(pool_type::generic, std::string("a.com"), "late"));
  EXPECT_EQ(manager.start_pool(spec_of(pool_type::generic, "late", std::nullopt)),
            errc::invalid_argument);
}

TEST(pool_manager, a_type_without_driver_is_reported_and_the_rest_starts) {
  pool_manager manager(1);
  configuration config;
  config.pools = {spec_of(pool_type::redis, "default", std::nullopt),
                  spec_of(pool_type::generic, "default", std::nullopt)};
  std::string diagnostics;
  EXPECT_EQ(manager.start_all(config, &diagnostics), errc::invalid_argument);
  EXPECT_NE(diagnostics.find("redis.default: no driver"), std::string::npos) << diagnostics;
  EXPECT_TRUE(manager.find(pool_type::generic, std::nullopt, "default"));
}

TEST(pool_manager, a_pool_whose_backend_is_down_still_starts_and_recovers) {
  pool_manager manager(1);
  test::fake_backend backend;
  std::atomic<bool> up{false};
  backend.connect_ok = [&](std::uint32_t) { return up.load(); };
  manager.register_driver(pool_type::redis, test::fake_factory(backend));
  EXPECT_FALSE(manager.start_pool(spec_of(pool_type::redis, "default", std::nullopt)));
  auto p = manager.find(pool_type::redis, std::nullopt, "default");
  ASSERT_TRUE(p);
  ASSERT_TRUE(test::eventually([&] { return backend.connects.load() >= 4; }));  // backing off
  EXPECT_EQ(p->call([](job_context&) {}).error, errc::disconnected);
  up = true;
  ASSERT_TRUE(p->wait_connected(test::patience));
  EXPECT_TRUE(p->call([](job_context&) {}).ok());
  EXPECT_GE(p->stats().reconnects, 2u);
}

TEST(pool_manager, destruction_completes_calls_in_flight) {
  test::recorder results;
  test::gate held;
  {
    pool_manager manager(2);
    EXPECT_FALSE(manager.start_pool(spec_of(pool_type::generic, "default", std::nullopt)));
    auto p = manager.find(pool_type::generic, std::nullopt, "default");
    for (int id = 0; id < 10; ++id) p->async_call(held.job(id), results.handler(id));
    ASSERT_TRUE(test::eventually([&] { return held.started_count() >= 1; }));
  }
  ASSERT_TRUE(results.wait_for(10));
  for (int id = 0; id < 10; ++id) EXPECT_EQ(results.get(id).error, errc::shutting_down);
}

}  // namespace
}  // namespace outpools
