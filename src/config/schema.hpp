// schema.hpp — the schema tables: one entry per option (name, kind, default, rule, doc line).
// The same tables drive validation (section_validator), defaults, `outpools show` (the effective
// document) and the reference in docs/configuration.md (reference_markdown).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outpools/pool_spec.hpp"

namespace outpools::config {

namespace json = boost::json;

/// What a TOML value must be.
enum class value_kind {
  boolean,
  integer,      ///< within [min, max]; "infinity" too when allow_infinity
  string,       ///< non-empty unless allow_empty
  enumeration,  ///< one of `choices`
  string_list,  ///< array of strings (each one of `choices` when set)
  path,         ///< a file that must exist and be readable; stored absolute
  http_url,     ///< "http[s]://NAME[:PORT]"
  ciphers,      ///< OpenSSL cipher string, or the seed's array of {cipher, key_exchange, ...}
  table,        ///< a sub-table validated by `children`
  table_list,   ///< a non-empty array of tables, each validated by `children`
};

/// What a rule may look at: the table being validated (options already type-checked, defaults
/// not yet applied) and the tables around it.
struct rule_context {
  pool_type type;
  const json::object& section;  ///< the table the option belongs to
  const json::object* parent;   ///< the enclosing table (connection for tls.*), or null
  const json::object* pool;     ///< the pool's own options (scope, workers, ...), or null
};

/// Returns why a rule applies, as a phrase ("with driver = \"odbc\"") or "" when it does not.
using condition = std::function<std::string(const rule_context&)>;
/// Computes a default from the context (e.g. port 5432 or 3306 by driver); nullopt: none.
using default_function = std::function<std::optional<json::value>(const rule_context&)>;

struct section_schema;

/// One option of one table.
struct option_schema {
  std::string name;
  value_kind kind = value_kind::string;
  std::string syntax;       ///< docs: how it is written
  std::string default_doc;  ///< docs: the default ("" when there is none)
  std::string rule;         ///< docs: constraints beyond the syntax
  std::string doc;          ///< docs: one line saying what it does
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  bool allow_infinity = false;
  bool allow_empty = false;  ///< strings: "" accepted
  bool secret = false;       ///< never printed: errors name its type only, show prints ***
  std::vector<std::string> choices;
  /// Values of `choices` this pool type refuses, each with the reason.
  std::vector<std::pair<std::string, std::string>> refused_choices;
  default_function default_value;
  condition required_if;
  condition refused_if;
  condition warn_if;
  /// Tables only: validate an absent table as an empty one (its required options are reported
  /// missing at the enclosing table, its defaults applied).
  bool validate_when_absent =
      false;  ///< when set and the option is present: a warning, with this reason
  std::shared_ptr<const section_schema> children;  ///< table and table_list
};

/// The options of one table, plus keys that are refused outright with a reason (e.g. `tls` for
/// redis, `strategy` for elastic).
struct section_schema {
  std::vector<option_schema> options;
  std::vector<std::pair<std::string, std::string>> refused_keys;

  const option_schema* find(std::string_view name) const;
};

/// Pool-level options of `type` (scope, host, strategy, workers, call_timeout, ...), with the
/// defaults and refusals of that type.
const section_schema& pool_schema(pool_type type);

/// The `connection` options of `type`; null for generic (which has no connection section).
const section_schema* connection_schema(pool_type type);

/// The `connection.tls` options (the same table for every type that takes TLS).
const section_schema& tls_schema();

/// Every pool type, in the order the seed lists them.
const std::vector<pool_type>& all_pool_types();

/// Largest value of a millisecond option (fits a 32-bit signed integer: about 24.8 days).
inline constexpr std::int64_t max_milliseconds = 2147483647;

}  // namespace outpools::config
