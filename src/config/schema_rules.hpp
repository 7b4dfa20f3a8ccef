// schema_rules.hpp — small building blocks for the schema tables: constant defaults and the
// conditions of "required when" / "refused when" rules.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "config/schema.hpp"

namespace outpools::config {

/// A default that does not depend on anything.
default_function constant(json::value value);

/// The string value of `key` in `section`: nullopt when absent; "" is never returned for an
/// absent key. A key whose value was invalid is stored as null and also yields nullopt.
std::optional<std::string> string_option(const json::object& section, std::string_view key);

/// True when `key` is present in `section` with a valid value.
bool has_option(const json::object& section, std::string_view key);

/// Applies when `key` (or its default `fallback`, when absent) is one of `values`; the reason
/// reads `with key = "value"`. A key present with an invalid value never applies (no cascades).
condition when_one_of(std::string key, std::initializer_list<std::string_view> values,
                      std::string fallback = "");

/// Applies when `key` is valid and not one of `values` (absent counts as `fallback`).
condition when_none_of(std::string key, std::initializer_list<std::string_view> values,
                       std::string fallback = "");

/// Applies when the sibling option `key` is set; the reason reads "with `key` set".
condition when_set(std::string key);

/// Always applies, with `reason` (a phrase such as "for every rdbms pool").
condition always(std::string reason);

}  // namespace outpools::config
