// Pool options of every type: scope expansion over general.hosts, strategy, workers, timeouts,
// reconnect backoff; and the summary line `outpools check` prints.
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using namespace std::chrono_literals;

TEST(PoolScope, DefaultHostsIsLocalhost) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.generic.default]
  scope = "host"
)");
  EXPECT_EQ(r.config.hosts, std::vector<std::string>{"localhost"});
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.host, std::optional<std::string>{"localhost"});
  EXPECT_EQ(p.scope, pool_scope::host);
  EXPECT_EQ(p.name(), "generic.default@localhost");
}

TEST(PoolScope, HostScopeExpandsOverGeneralHostsInOrder) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["localhost", "example.com", "other.org"]
[outgoing_pools.redis.default]
  scope = "host"
  workers = 4
)");
  EXPECT_EQ(r.config.hosts, (std::vector<std::string>{"localhost", "example.com", "other.org"}));
  ASSERT_EQ(r.config.pools.size(), 3u);
  const char* hosts[] = {"localhost", "example.com", "other.org"};
  for (std::size_t i = 0; i < 3; ++i) {
    const pool_spec& p = r.config.pools[i];
    EXPECT_EQ(p.type, pool_type::redis);
    EXPECT_EQ(p.tag, "default");
    EXPECT_EQ(p.host, std::optional<std::string>{hosts[i]});
    EXPECT_EQ(p.scope, pool_scope::host);
    EXPECT_EQ(p.workers, 4u);
    EXPECT_EQ(p.name(), std::string("redis.default@") + hosts[i]);
  }
}

TEST(PoolScope, GlobalIsOnePoolWithoutHost) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["a.example", "b.example"]
[outgoing_pools.generic.default]
  scope = "global"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.host, std::nullopt);
  EXPECT_EQ(p.scope, pool_scope::global);
  EXPECT_EQ(p.name(), "generic.default");
}

TEST(PoolScope, SingleHostIsOnePoolForThatHost) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["localhost", "anotherhost.com"]
[outgoing_pools.rdbms.default]
  scope = "single_host"
  host = "anotherhost.com"
  [outgoing_pools.rdbms.default.connection]
    driver = "odbc"
    settings = "DSN=mydb"
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.host, std::optional<std::string>{"anotherhost.com"});
  EXPECT_EQ(p.scope, pool_scope::single_host);
  EXPECT_EQ(p.name(), "rdbms.default@anotherhost.com");
}

TEST(PoolScope, PoolsComeInFileOrder) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["h1", "h2"]
[outgoing_pools.redis.global_one]
[outgoing_pools.generic.per_host]
  scope = "host"
[outgoing_pools.http.api.connection]
  host = "http://api.local"
)");
  ASSERT_EQ(r.config.pools.size(), 4u);
  EXPECT_EQ(r.config.pools[0].name(), "redis.global_one");
  EXPECT_EQ(r.config.pools[1].name(), "generic.per_host@h1");
  EXPECT_EQ(r.config.pools[2].name(), "generic.per_host@h2");
  EXPECT_EQ(r.config.pools[3].name(), "http.api");
}

TEST(PoolScope, SameTagInDifferentTypesIsFine) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
[outgoing_pools.generic.default]
)");
  EXPECT_EQ(r.config.pools.size(), 2u);
}

TEST(PoolScope, EmptyConfigurationHasNoPools) {
  OUTPOOLS_LOAD_OK(r, "");
  EXPECT_TRUE(r.config.pools.empty());
  EXPECT_EQ(r.config.hosts, std::vector<std::string>{"localhost"});
}

TEST(PoolStrategy, EveryStrategyIsAccepted) {
  const std::pair<const char*, worker_strategy> all[] = {
      {"best_worker", worker_strategy::best_worker},
      {"random_worker", worker_strategy::random_worker},
      {"next_worker", worker_strategy::next_worker},
      {"available_worker", worker_strategy::available_worker},
      {"next_available_worker", worker_strategy::next_available_worker},
      {"hash_worker", worker_strategy::hash_worker},
  };
  for (const auto& [name, value] : all) {
    const std::string text =
        std::string("[outgoing_pools.generic.default]\nstrategy = \"") + name + "\"\n";
    const load_result r = test::load(text);
    ASSERT_FALSE(r.has_errors()) << name << "\n" << test::dump(r);
    EXPECT_EQ(test::only_pool(r.config).strategy, value) << name;
  }
}

TEST(PoolWorkers, BoundsAreAccepted) {
  for (int n : {1, 10000}) {
    const load_result r =
        test::load("[outgoing_pools.generic.default]\nworkers = " + std::to_string(n) + "\n");
    ASSERT_FALSE(r.has_errors()) << n << "\n" << test::dump(r);
    EXPECT_EQ(test::only_pool(r.config).workers, static_cast<std::uint32_t>(n));
  }
}

TEST(PoolTimeouts, Defaults) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.call_timeout, std::optional{5000ms});
  EXPECT_EQ(p.connect_timeout, std::optional{5000ms});
  EXPECT_EQ(p.reconnect_backoff_min, 100ms);
  EXPECT_EQ(p.reconnect_backoff_max, 10000ms);
}

TEST(PoolTimeouts, ExplicitValues) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.redis.default]
  call_timeout = 250
  connect_timeout = 1200
  reconnect_backoff_min = 50
  reconnect_backoff_max = 50
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.call_timeout, std::optional{250ms});
  EXPECT_EQ(p.connect_timeout, std::optional{1200ms});
  EXPECT_EQ(p.reconnect_backoff_min, 50ms);  // min == max is allowed
  EXPECT_EQ(p.reconnect_backoff_max, 50ms);
}

TEST(PoolTimeouts, RdbmsCallTimeoutCanBeLowered) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.rdbms.default]
  call_timeout = 5000
  [outgoing_pools.rdbms.default.connection]
    driver = "odbc"
    settings = "DSN=x"
)");
  EXPECT_EQ(test::only_pool(r.config).call_timeout, std::optional{5000ms});
}

TEST(PoolTimeouts, ElasticWorkersMaySet) {
  OUTPOOLS_LOAD_OK(r, R"(
[outgoing_pools.elastic.default]
  workers = 1
  connect_timeout = 300
)");
  const pool_spec& p = test::only_pool(r.config);
  EXPECT_EQ(p.workers, 1u);
  EXPECT_EQ(p.connect_timeout, std::optional{300ms});
  EXPECT_EQ(p.call_timeout, std::nullopt);
}

TEST(SummaryLine, FormatForGlobalHostAndElastic) {
  OUTPOOLS_LOAD_OK(r, R"(
[general]
  hosts = ["localhost", "example.com"]
[outgoing_pools.redis.default]
  workers = 5
[outgoing_pools.rdbms.main]
  scope = "host"
  strategy = "next_worker"
  [outgoing_pools.rdbms.main.connection]
    driver = "odbc"
    settings = "DSN=mydb"
[outgoing_pools.elastic.default]
  workers = 2
)");
  ASSERT_EQ(r.config.pools.size(), 4u);
  EXPECT_EQ(summary_line(r.config.pools[0]),
            "redis.default  strategy=best_worker workers=5 call_timeout=5000");
  EXPECT_EQ(summary_line(r.config.pools[1]),
            "rdbms.main@localhost  strategy=next_worker workers=100 call_timeout=60000");
  EXPECT_EQ(summary_line(r.config.pools[2]),
            "rdbms.main@example.com  strategy=next_worker workers=100 call_timeout=60000");
  EXPECT_EQ(summary_line(r.config.pools[3]),
            "elastic.default  strategy=available_worker workers=2 call_timeout=infinity");
}

TEST(SourcePosition, PoolSpecRecordsItsTable) {
  OUTPOOLS_LOAD_OK(r, R"(
# comment
[outgoing_pools.generic.first]

[outgoing_pools.generic.second]
)");
  ASSERT_EQ(r.config.pools.size(), 2u);
  EXPECT_EQ(r.config.pools[0].source_file, "test.toml");
  EXPECT_EQ(r.config.pools[0].source_line, 2u);
  EXPECT_EQ(r.config.pools[1].source_line, 4u);
}

}  // namespace
}  // namespace outpools
