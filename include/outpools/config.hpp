// outpools/config.hpp — load and validate a configuration file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "outpools/pool_spec.hpp"

namespace outpools {

/// One message about a configuration: an error (the configuration is refused), a warning, or a
/// note. Rendered as `FILE:LINE:COL: PATH: MESSAGE` (warnings and notes add "warning: "/"note: ").
struct diagnostic {
  enum class level { error, warning, note };
  level severity = level::error;
  std::string file;
  std::uint32_t line = 0;    ///< 1-based; 0 when the message is about the file as a whole
  std::uint32_t column = 0;  ///< 1-based
  std::string path;     ///< full option path, e.g. outgoing_pools.redis.default.connection.port
  std::string message;  ///< what was expected, what was found (never a secret's value)

  std::string to_string() const;
};

/// A validated configuration: every pool instance after scope expansion, in file order.
struct configuration {
  std::vector<std::string> hosts{"localhost"};  ///< general.hosts
  std::vector<pool_spec> pools;
};

/// What loading produced. When has_errors(), `config` must not be used.
struct load_result {
  configuration config;
  std::vector<diagnostic> diagnostics;  ///< sorted by position

  bool has_errors() const noexcept;
};

/// Reads, parses and validates the TOML file at `path`. Relative paths inside it (tls.*) are
/// resolved against the file's folder. Never throws for a bad file: an unreadable file, a TOML
/// syntax error (reported alone, at toml++'s position) or any number of invalid options come
/// back as diagnostics. Thread-safe (touches no shared state).
load_result load_config_file(const std::filesystem::path& path);

/// As load_config_file, for text already in memory. `file_name` is used in diagnostics and
/// `base_dir` to resolve relative paths.
load_result load_config_string(std::string_view text, std::string_view file_name,
                               const std::filesystem::path& base_dir);

/// The pool instance named `name` ("TYPE.TAG" or "TYPE.TAG@HOST"; for a HOST with no pool of
/// its own, the global pool TYPE.TAG, as pool_manager::find falls back; for "TYPE.TAG" of a
/// host-scoped pool with one instance, such as a single_host pool, that instance), or null with
/// `why` saying what is wrong (unknown name, or a host-scoped pool with several instances named
/// without its host: the names to use are listed). Thread-safe.
const pool_spec* find_pool(const configuration& config, std::string_view name, std::string& why);

/// `TYPE.TAG[@HOST]  strategy=S workers=N call_timeout=MS` (`call_timeout=infinity` for
/// elastic): the line `outpools check` prints for each pool instance. Thread-safe.
std::string summary_line(const pool_spec& spec);

/// The effective configuration as a JSON array, one object per pool instance, with the keys
/// type, tag, host (null for global), scope, strategy, workers, call_timeout_ms ("infinity" for
/// elastic), connect_timeout_ms, reconnect_backoff_ms ([min, max]), connection (options by their
/// TOML names, unset ones null) and tls (null when TLS is off). Every secret is "***".
/// Pretty-printed, two-space indent. Thread-safe.
std::string describe_json(const configuration& config);

/// The same as describe_json, as indented `key = value` lines per pool instance. Thread-safe.
std::string describe_text(const configuration& config);

/// The configuration reference (markdown), generated from the schema tables: what
/// docs/configuration.md holds between its GENERATED markers. Thread-safe.
std::string reference_markdown();

}  // namespace outpools
