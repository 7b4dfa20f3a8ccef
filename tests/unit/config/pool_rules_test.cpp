// Rules of the pool options: scope/host, general.hosts, strategy limits, tags, ranges, and the
// options a type refuses. Each broken rule is an error naming the option's path and line.
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::has_error;
using test::has_error_under;
using test::load;

::testing::AssertionResult suggests(const load_result& r, std::string_view path,
                                    std::string_view name) {
  for (const diagnostic& d : r.diagnostics) {
    if (d.path == path && test::contains(d.message, "did you mean") &&
        test::contains(d.message, name)) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no 'did you mean ... " << name << "' at " << path << ":\n"
         << test::dump(r);
}

// ---- scope and host ----

TEST(ScopeRules, UnknownScopeSuggestsNearest) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  scope = "hosts"
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.default.scope", "scope ="));
  EXPECT_TRUE(suggests(r, "outgoing_pools.generic.default.scope", "\"host\""));
}

TEST(ScopeRules, SingleHostRequiresHostAtPoolTable) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost"]
[outgoing_pools.generic.default]
  scope = "single_host"
  workers = 2
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host",
                      "[outgoing_pools.generic.default]");
}

TEST(ScopeRules, HostRefusedWithGlobalScope) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  scope = "global"
  host = "localhost"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host", "host = ");
}

TEST(ScopeRules, HostRefusedWithDefaultScope) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  workers = 3
  host = "localhost"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.redis.default.host", "host = ");
}

TEST(ScopeRules, HostRefusedWithHostScope) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  scope = "host"
  host = "localhost"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host", "host = ");
}

TEST(ScopeRules, HostMustBeOneOfGeneralHosts) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost", "example.com"]
[outgoing_pools.generic.default]
  scope = "single_host"
  host = "anotherhost.com"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host", "host = ");
}

TEST(ScopeRules, HostMustBeOneOfDefaultHosts) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  scope = "single_host"
  host = "example.com"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host", "host = ");
}

TEST(ScopeRules, HostMustBeAString) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  scope = "single_host"
  host = 42
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.generic.default.host", "host = ");
}

TEST(GeneralRules, HostsMustNotBeEmpty) {
  constexpr std::string_view text = R"(
[general]
  hosts = []
[outgoing_pools.generic.default]
)";
  EXPECT_CONFIG_ERROR(text, "general.hosts", "hosts = ");
}

TEST(GeneralRules, HostsMustBeDistinct) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost", "example.com", "localhost"]
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "general.hosts", "hosts = "));
}

TEST(GeneralRules, HostsMustBeStrings) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost", 7]
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "general.hosts", "hosts = "));
}

TEST(GeneralRules, HostsMustBeAnArray) {
  constexpr std::string_view text = R"(
[general]
  hosts = "localhost"
)";
  EXPECT_CONFIG_ERROR(text, "general.hosts", "hosts = ");
}

// ---- strategy ----

TEST(StrategyRules, UnknownStrategySuggestsNearest) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  strategy = "best_workers"
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.default.strategy", "strategy ="));
  EXPECT_TRUE(suggests(r, "outgoing_pools.generic.default.strategy", "\"best_worker\""));
}

TEST(StrategyRules, RedisRefusesAvailableWorker) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  strategy = "available_worker"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.redis.default.strategy", "strategy =");
}

TEST(StrategyRules, RiakRefusesAvailableWorker) {
  constexpr std::string_view text = R"(
[outgoing_pools.riak.default]
  strategy = "available_worker"
  [outgoing_pools.riak.default.connection]
    address = "127.0.0.1"
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.riak.default.strategy", "strategy =");
}

TEST(StrategyRules, RedisAndRiakTakeOtherStrategies) {
  EXPECT_CONFIG_VALID(R"(
[outgoing_pools.redis.default]
  strategy = "next_available_worker"
[outgoing_pools.riak.default]
  strategy = "random_worker"
  [outgoing_pools.riak.default.connection]
    address = "127.0.0.1"
)");
}

TEST(StrategyRules, ElasticRefusesStrategySayingItIsNotConfigurable) {
  constexpr std::string_view text = R"(
[outgoing_pools.elastic.default]
  strategy = "available_worker"
)";
  const load_result r = load(text);
  EXPECT_TRUE(
      has_error(r, text, "outgoing_pools.elastic.default.strategy", "strategy =", "configurable"));
}

TEST(StrategyRules, ElasticRefusesCallTimeoutSayingItIsNotConfigurable) {
  constexpr std::string_view text = R"(
[outgoing_pools.elastic.default]
  workers = 5
  call_timeout = 5000
)";
  const load_result r = load(text);
  // the message says why: not configurable / not allowed for elastic
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.elastic.default.call_timeout",
                        "call_timeout =", "configurable") ||
              has_error(r, text, "outgoing_pools.elastic.default.call_timeout",
                        "call_timeout =", "not allowed"))
      << test::dump(r);
}

// ---- tags ----

TEST(TagRules, RiakTagMustBeDefault) {
  constexpr std::string_view text = R"(
[outgoing_pools.riak.main]
  workers = 5
  [outgoing_pools.riak.main.connection]
    address = "127.0.0.1"
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.riak.main", "[outgoing_pools.riak.main]"));
}

TEST(TagRules, ElasticTagMustBeDefault) {
  constexpr std::string_view text = R"(
[outgoing_pools.elastic.search]
  workers = 5
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(
      has_error_under(r, text, "outgoing_pools.elastic.search", "[outgoing_pools.elastic.search]"));
}

TEST(TagRules, TagWithOtherCharactersIsRefused) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic."bad tag@x"]
  workers = 5
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.generic", "[outgoing_pools.generic."));
}

TEST(TagRules, TagWithLettersDigitsUnderscoreDashIsAccepted) {
  EXPECT_CONFIG_VALID(R"(
[outgoing_pools.generic.Pool_1-b]
)");
}

// ---- unknown names ----

TEST(UnknownNames, UnknownPoolTypeSuggestsNearest) {
  constexpr std::string_view text = R"(
[outgoing_pools.redys.default]
  workers = 5
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redys", "[outgoing_pools.redys.default]"));
  EXPECT_TRUE(suggests(r, "outgoing_pools.redys", "redis"));
}

TEST(UnknownNames, UnknownPoolOptionSuggestsNearest) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  worker = 5
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.default.worker", "worker ="));
  EXPECT_TRUE(suggests(r, "outgoing_pools.generic.default.worker", "workers"));
}

TEST(UnknownNames, UnknownConnectionOptionSuggestsNearest) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default.connection]
  databse = 1
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.connection.databse", "databse ="));
  EXPECT_TRUE(suggests(r, "outgoing_pools.redis.default.connection.databse", "database"));
}

TEST(UnknownNames, PoolMustBeATable) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis]
  default = 3
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools.redis.default", "default = 3");
}

TEST(UnknownNames, GenericHasNoConnectionSection) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.default]
  workers = 5
  [outgoing_pools.generic.default.connection]
    host = "localhost"
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error_under(r, text, "outgoing_pools.generic.default.connection",
                              "[outgoing_pools.generic.default.connection]"));
}

// ---- ranges and types ----

TEST(RangeRules, WorkersOutOfRange) {
  for (const char* bad : {"0", "10001", "-1"}) {
    const std::string text = std::string("[outgoing_pools.generic.default]\nworkers = ") + bad;
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.default.workers", "workers =")) << bad;
  }
}

TEST(RangeRules, WorkersOfWrongType) {
  for (const char* bad : {"\"5\"", "5.0", "true"}) {
    const std::string text = std::string("[outgoing_pools.generic.default]\nworkers = ") + bad;
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.default.workers", "workers =")) << bad;
  }
}

TEST(RangeRules, TimeoutsMustBePositive) {
  for (const char* option :
       {"call_timeout", "connect_timeout", "reconnect_backoff_min", "reconnect_backoff_max"}) {
    for (const char* bad : {"0", "-100", "\"1000\""}) {
      const std::string text =
          std::string("[outgoing_pools.redis.default]\n") + option + " = " + bad + "\n";
      const load_result r = load(text);
      EXPECT_TRUE(has_error(r, text, std::string("outgoing_pools.redis.default.") + option,
                            std::string(option) + " ="))
          << option << " = " << bad;
    }
  }
}

TEST(RangeRules, BackoffMinMustNotExceedMax) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  reconnect_backoff_min = 2000
  reconnect_backoff_max = 1000
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.reconnect_backoff_min",
                        "reconnect_backoff_min =") ||
              has_error(r, text, "outgoing_pools.redis.default.reconnect_backoff_max",
                        "reconnect_backoff_max ="))
      << test::dump(r);
}

TEST(RangeRules, BackoffMinAboveDefaultMaxIsRefused) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  reconnect_backoff_min = 20000
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
}

TEST(RefusedOptions, GenericRefusesConnectTimeoutAndBackoff) {
  for (const char* option : {"connect_timeout", "reconnect_backoff_min", "reconnect_backoff_max"}) {
    const std::string text =
        std::string("[outgoing_pools.generic.default]\n") + option + " = 1000\n";
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, std::string("outgoing_pools.generic.default.") + option,
                          std::string(option) + " ="))
        << option;
  }
}

TEST(RefusedOptions, LdapRefusesBackoffUsesConnectInterval) {
  for (const char* option : {"reconnect_backoff_min", "reconnect_backoff_max"}) {
    const std::string text = std::string("[outgoing_pools.ldap.default]\n") + option + " = 1000\n";
    const load_result r = load(text);
    EXPECT_TRUE(has_error(r, text, std::string("outgoing_pools.ldap.default.") + option,
                          std::string(option) + " ="))
        << option;
  }
}

}  // namespace
}  // namespace outpools
