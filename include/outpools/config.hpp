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
  std::string path;          ///< full option path, e.g. outgoing_pools.redis.default.connection.port
  std::string message;       ///< what was expected, what was found (never a secret's value)

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

}  // namespace outpools
