#include "config/schema_rules.hpp"

#include <algorithm>
#include <vector>

namespace outpools::config {

default_function constant(json::value value) {
  return [value = std::move(value)](const rule_context&) -> std::optional<json::value> {
    return value;
  };
}

std::optional<std::string> string_option(const json::object& section, std::string_view key) {
  const json::value* v = section.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

bool has_option(const json::object& section, std::string_view key) {
  const json::value* v = section.if_contains(key);
  return v != nullptr && !v->is_null();
}

namespace {

// The effective value of `key` for a rule: its value, its fallback when absent, or nullopt
// when it is present but invalid (a rule never fires on the back of another error).
std::optional<std::string> rule_value(const json::object& section, const std::string& key,
                                      const std::string& fallback) {
  const json::value* v = section.if_contains(key);
  if (v == nullptr) return fallback.empty() ? std::nullopt : std::optional<std::string>(fallback);
  if (!v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

condition member_rule(std::string key, std::initializer_list<std::string_view> values,
                      std::string fallback, bool wanted) {
  std::vector<std::string> set(values.begin(), values.end());
  return [key = std::move(key), set = std::move(set), fallback = std::move(fallback),
          wanted](const rule_context& ctx) -> std::string {
    std::optional<std::string> value = rule_value(ctx.section, key, fallback);
    if (!value) return "";
    bool member = std::find(set.begin(), set.end(), *value) != set.end();
    if (member != wanted) return "";
    return "with " + key + " = \"" + *value + "\"";
  };
}

}  // namespace

condition when_one_of(std::string key, std::initializer_list<std::string_view> values,
                      std::string fallback) {
  return member_rule(std::move(key), values, std::move(fallback), true);
}

condition when_none_of(std::string key, std::initializer_list<std::string_view> values,
                       std::string fallback) {
  return member_rule(std::move(key), values, std::move(fallback), false);
}

condition when_set(std::string key) {
  return [key = std::move(key)](const rule_context& ctx) -> std::string {
    return has_option(ctx.section, key) ? "with " + key + " set (both or neither)" : "";
  };
}

condition always(std::string reason) {
  return [reason = std::move(reason)](const rule_context&) { return reason; };
}

}  // namespace outpools::config
