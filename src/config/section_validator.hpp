// section_validator.hpp — checks one TOML table against its schema: types, ranges, unknown and
// refused keys, required options, defaults. Every problem becomes a diagnostic; nothing throws.
#pragma once

#include <toml++/toml.h>
#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "outpools/config.hpp"

namespace outpools::config {

/// Where diagnostics go, and what validation needs to know about the file.
struct validation_context {
  std::string file;                ///< as named in diagnostics
  std::filesystem::path base_dir;  ///< relative paths are resolved against it
  std::vector<diagnostic>* out = nullptr;
  pool_type type = pool_type::generic;
  const json::object* pool = nullptr;  ///< the pool's validated options, once known

  void error(const toml::source_position& at, std::string path, std::string message) const;
  void warning(const toml::source_position& at, std::string path, std::string message) const;
  /// Errors reported so far (warnings not counted).
  std::size_t error_count() const;
};

/// A table to validate. `table` may be null (the table is absent: only required options and
/// defaults are looked at); `where` is then the position of the table that should hold it.
struct section_input {
  const toml::table* table = nullptr;
  toml::source_position where{};
  std::string path;  ///< e.g. outgoing_pools.rdbms.default.connection
  const json::object* parent = nullptr;
  bool secret = false;  ///< inside a secret: values are never printed
};

/// The validated table: options by TOML name, defaults applied, secrets unmasked. An option
/// present with an invalid value is stored as null (so rules built on it stay silent).
struct section_result {
  json::object values;
  std::map<std::string, toml::source_position, std::less<>> positions;  ///< of present keys
  toml::source_position where{};
};

/// Validates `input` against `schema`, reporting every problem through `ctx`.
section_result validate_section(const section_input& input, const section_schema& schema,
                                const validation_context& ctx);

/// `path.key`, with the key quoted when it is not a bare TOML key.
std::string join_path(const std::string& path, std::string_view key);

/// "a string \"abc\"", "70000", "a table", ... — or only the type when `secret`.
std::string describe_found(const toml::node& node, bool secret);

/// Masks the secrets of a validated section for display: every secret option as "***", unset
/// options of the schema as null, sub-tables recursively. `tls` is left out (shown apart).
json::object display_document(const json::object& values, const section_schema& schema);

}  // namespace outpools::config
