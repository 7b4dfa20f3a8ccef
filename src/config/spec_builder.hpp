// spec_builder.hpp — validated option tables → the typed pool_spec a pool is started from.
#pragma once

#include <optional>
#include <string>

#include "config/section_validator.hpp"
#include "outpools/pool_spec.hpp"

namespace outpools::config {

/// Everything validated about one `[outgoing_pools.TYPE.TAG]` table (no errors in it).
struct validated_pool {
  pool_type type = pool_type::generic;
  std::string tag;
  json::object pool;                ///< scope, host, strategy, workers, ...
  json::object connection;          ///< the type's options (empty for generic)
  std::optional<json::object> tls;  ///< the TLS options when TLS is on, defaults applied
  std::string file;
  std::uint32_t line = 0;
};

/// The typed spec of one instance (`host` is the instance's XMPP host, nullopt when global).
/// Also fills the display documents (`show`), with every secret masked.
pool_spec build_pool_spec(const validated_pool& pool, const std::optional<std::string>& host);

}  // namespace outpools::config
