// The library's log sink: its threshold, and what a pool says through it as workers fail to
// connect and then connect.
#include "outpools/log.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "outpools/pool_manager.hpp"
#include "test_support.hpp"

namespace outpools {
namespace {

// The messages a sink received, from any thread.
struct received {
  std::mutex mutex;
  std::vector<std::pair<log_level, std::string>> messages;
  log_sink sink() {
    return [this](log_level level, std::string_view text) {
      std::lock_guard lock(mutex);
      messages.emplace_back(level, std::string(text));
    };
  }
  bool has(const std::string& part) {
    std::lock_guard lock(mutex);
    for (const auto& m : messages)
      if (m.second.find(part) != std::string::npos) return true;
    return false;
  }
};

TEST(log, messages_below_the_threshold_are_dropped_and_an_empty_sink_is_off) {
  received got;
  set_log_sink(got.sink(), log_level::warn);
  EXPECT_FALSE(log_enabled(log_level::info));
  EXPECT_TRUE(log_enabled(log_level::error));
  log(log_level::info, "not this");
  log(log_level::error, "this");
  set_log_sink(nullptr);
  EXPECT_FALSE(log_enabled(log_level::error));
  log(log_level::error, "nor this");
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].first, log_level::error);
  EXPECT_EQ(got.messages[0].second, "this");
}

TEST(log, a_pool_says_why_its_workers_fail_to_connect_and_when_they_connect) {
  received got;
  set_log_sink(got.sink(), log_level::info);
  {
    pool_manager manager(1);
    test::fake_backend backend;
    std::atomic<bool> up{false};
    backend.connect_ok = [&](std::uint32_t) { return up.load(); };
    manager.register_driver(pool_type::redis, test::fake_factory(backend));
    pool_spec spec = test::generic_spec(1, worker_strategy::best_worker);
    spec.type = pool_type::redis;
    ASSERT_FALSE(manager.start_pool(spec));
    EXPECT_TRUE(
        test::eventually([&] { return got.has("pool redis.test: connect failed: worker 0:"); }));
    up = true;
    EXPECT_TRUE(test::eventually([&] { return got.has("pool redis.test: worker 0 connected"); }));
  }
  set_log_sink(nullptr);
}

}  // namespace
}  // namespace outpools
