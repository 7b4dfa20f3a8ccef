// The pool-level options of every type (SPEC.md, "Pool options").
#include <array>
#include <map>
#include <memory>

#include "config/schema.hpp"
#include "config/schema_rules.hpp"

namespace outpools::config {
namespace {

constexpr std::string_view ms_syntax = "positive integer, ms";

option_schema milliseconds_option(std::string name, std::int64_t default_ms, std::string rule,
                                  std::string doc) {
  return {.name = std::move(name),
          .kind = value_kind::integer,
          .syntax = std::string(ms_syntax),
          .default_doc = std::to_string(default_ms),
          .rule = std::move(rule),
          .doc = std::move(doc),
          .min = 1,
          .max = max_milliseconds,
          .default_value = constant(default_ms)};
}

section_schema make_pool_schema(pool_type type) {
  section_schema s;
  s.options.push_back({
      .name = "scope",
      .kind = value_kind::enumeration,
      .syntax = R"("global", "host", "single_host")",
      .default_doc = R"("global")",
      .rule = "global: one pool; host: one pool per entry of general.hosts; single_host: one "
              "pool, for `host` only",
      .doc = "where the pool runs",
      .choices = {"global", "host", "single_host"},
      .default_value = constant("global"),
  });
  s.options.push_back({
      .name = "host",
      .kind = value_kind::string,
      .syntax = "string",
      .rule = R"(required when scope = "single_host", refused otherwise; one of general.hosts)",
      .doc = "the XMPP host a single_host pool serves",
      .required_if = when_one_of("scope", {"single_host"}),
      .refused_if = when_none_of("scope", {"single_host"}, "global"),
  });

  option_schema strategy{
      .name = "strategy",
      .kind = value_kind::enumeration,
      .syntax = R"("best_worker", "random_worker", "next_worker", "available_worker", )"
                R"("next_available_worker", "hash_worker")",
      .default_doc = R"("best_worker")",
      .rule = "hash_worker is our own addition (a worker chosen by a key's hash)",
      .doc = "how a worker is picked for each request",
      .choices = {"best_worker", "random_worker", "next_worker", "available_worker",
                  "next_available_worker", "hash_worker"},
      .default_value = constant("best_worker"),
  };
  if (type == pool_type::redis || type == pool_type::riak) {
    std::string reason = std::string(to_string(type)) + " pools cannot use available_worker";
    strategy.refused_choices.emplace_back("available_worker", reason);
    strategy.rule = R"("available_worker" is refused; )" + strategy.rule;
  }
  if (type == pool_type::elastic) {
    s.refused_keys.emplace_back(
        "strategy", "elastic pools always use available_worker; strategy is not configurable");
  } else {
    s.options.push_back(std::move(strategy));
  }

  s.options.push_back({
      .name = "workers",
      .kind = value_kind::integer,
      .syntax = "integer 1..10000",
      .default_doc = "100",
      .doc = "number of workers, each with one connection",
      .min = 1,
      .max = 10000,
      .default_value = constant(100),
  });

  if (type == pool_type::elastic) {
    s.refused_keys.emplace_back(
        "call_timeout",
        "call_timeout is not configurable for elastic pools: a call waits for a free worker, "
        "and each request is bounded by 2000 ms");
  } else {
    s.options.push_back(milliseconds_option("call_timeout", type == pool_type::rdbms ? 60000 : 5000,
                                            "",
                                            "how long a call may take, from the caller's side"));
  }

  if (type == pool_type::generic) {
    for (const char* key : {"connect_timeout", "reconnect_backoff_min", "reconnect_backoff_max"})
      s.refused_keys.emplace_back(key, "generic pools have no connection");
    s.refused_keys.emplace_back("connection", "generic pools take no connection options");
    return s;
  }
  s.options.push_back({.name = "connection",
                       .kind = value_kind::table,
                       .syntax = "table",
                       .doc = "the options of the connection, below",
                       .validate_when_absent = true,
                       .children = std::shared_ptr<const section_schema>(
                           connection_schema(type), [](const section_schema*) {})});
  s.options.push_back(milliseconds_option(
      "connect_timeout", 5000, "",
      "one connection attempt, name resolution and TLS included (our addition)"));
  if (type == pool_type::ldap) {
    for (const char* key : {"reconnect_backoff_min", "reconnect_backoff_max"})
      s.refused_keys.emplace_back(
          key, "ldap pools wait connection.connect_interval between connection attempts");
    return s;
  }
  s.options.push_back(milliseconds_option(
      "reconnect_backoff_min", 100, "at most reconnect_backoff_max",
      "first wait before reconnecting; doubles up to the max, with jitter (our addition)"));
  s.options.push_back(milliseconds_option("reconnect_backoff_max", 10000,
                                          "at least reconnect_backoff_min",
                                          "longest wait before reconnecting (our addition)"));
  return s;
}

}  // namespace

const section_schema& pool_schema(pool_type type) {
  static const std::map<pool_type, section_schema> schemas = [] {
    std::map<pool_type, section_schema> m;
    for (pool_type t : all_pool_types()) m.emplace(t, make_pool_schema(t));
    return m;
  }();
  return schemas.at(type);
}

const std::vector<pool_type>& all_pool_types() {
  static const std::vector<pool_type> types{
      pool_type::cassandra, pool_type::riak,    pool_type::redis,
      pool_type::http,      pool_type::elastic, pool_type::rdbms,
      pool_type::rabbit,    pool_type::ldap,    pool_type::generic};
  return types;
}

const option_schema* section_schema::find(std::string_view name) const {
  for (const option_schema& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace outpools::config
