// value_checks.hpp — the check of one TOML value against one option's kind.
#pragma once

#include <optional>

#include "config/section_validator.hpp"

namespace outpools::config {

/// Checks `node` (the value of `option`, at `path`) and returns its validated JSON form, or
/// nullopt after reporting why it is wrong. Tables and arrays of tables recurse through
/// validate_section with `parent` as their enclosing table.
std::optional<json::value> check_value(const toml::node& node, const option_schema& option,
                                       const std::string& path, const json::object* parent,
                                       bool secret, const validation_context& ctx);

}  // namespace outpools::config
