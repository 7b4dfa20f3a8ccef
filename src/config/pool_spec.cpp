#include "outpools/pool_spec.hpp"
#include "outpools/config.hpp"

#include <array>
#include <utility>

namespace outpools {
namespace {

constexpr std::array<std::pair<pool_type, std::string_view>, 9> pool_type_names{{
    {pool_type::cassandra, "cassandra"},
    {pool_type::riak, "riak"},
    {pool_type::redis, "redis"},
    {pool_type::http, "http"},
    {pool_type::elastic, "elastic"},
    {pool_type::rdbms, "rdbms"},
    {pool_type::rabbit, "rabbit"},
    {pool_type::ldap, "ldap"},
    {pool_type::generic, "generic"},
}};

constexpr std::array<std::pair<worker_strategy, std::string_view>, 6> strategy_names{{
    {worker_strategy::best_worker, "best_worker"},
    {worker_strategy::random_worker, "random_worker"},
    {worker_strategy::next_worker, "next_worker"},
    {worker_strategy::available_worker, "available_worker"},
    {worker_strategy::next_available_worker, "next_available_worker"},
    {worker_strategy::hash_worker, "hash_worker"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view text) {
  for (const auto& [value, name] : names)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(pool_type t) noexcept { return name_of(pool_type_names, t); }

std::optional<pool_type> parse_pool_type(std::string_view name) noexcept {
  return value_of(pool_type_names, name);
}

std::string_view to_string(pool_scope s) noexcept {
  switch (s) {
    case pool_scope::global:
      return "global";
    case pool_scope::host:
      return "host";
    case pool_scope::single_host:
      return "single_host";
  }
  return "unknown";
}

std::string_view to_string(worker_strategy s) noexcept { return name_of(strategy_names, s); }

std::optional<worker_strategy> parse_worker_strategy(std::string_view name) noexcept {
  return value_of(strategy_names, name);
}

std::string pool_spec::name() const {
  std::string result{to_string(type)};
  result += '.';
  result += tag;
  if (host) {
    result += '@';
    result += *host;
  }
  return result;
}

const pool_spec* find_pool(const configuration& config, std::string_view name, std::string& why) {
  std::string instances;
  for (const pool_spec& spec : config.pools) {
    if (spec.name() == name) return &spec;
  }
  // TYPE.TAG@HOST with no pool for that host: the global pool TYPE.TAG, as pool_manager::find
  // falls back to it. TYPE.TAG@ (no host) is a slip, not that.
  if (const std::size_t at = name.find('@'); at != std::string_view::npos) {
    if (at + 1 == name.size()) {
      why = "pool " + std::string(name) + " names no host after '@' (TYPE.TAG or TYPE.TAG@HOST)";
      return nullptr;
    }
    for (const pool_spec& spec : config.pools)
      if (!spec.host && spec.name() == name.substr(0, at)) return &spec;
  }
  // TYPE.TAG of a host-scoped pool: its instance when it has only one (a single_host pool, or
  // scope = "host" with one host), else the names to choose from.
  const pool_spec* only_instance = nullptr;
  std::size_t instance_count = 0;
  if (name.find('@') == std::string_view::npos) {
    for (const pool_spec& spec : config.pools) {
      if (spec.host && spec.name().starts_with(std::string(name) + "@")) {
        instances += (instances.empty() ? "" : ", ") + spec.name();
        only_instance = &spec;
        ++instance_count;
      }
    }
  }
  if (instance_count == 1) return only_instance;
  if (!instances.empty()) {
    why = "pool " + std::string(name) + " is host-scoped: name one of " + instances;
  } else {
    std::string known;
    for (const pool_spec& spec : config.pools) known += (known.empty() ? "" : ", ") + spec.name();
    why = "no pool named " + std::string(name) +
          " (the configuration has: " + (known.empty() ? "none" : known) + ")";
  }
  return nullptr;
}

}  // namespace outpools
