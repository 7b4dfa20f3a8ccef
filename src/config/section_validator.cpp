#include "config/section_validator.hpp"

#include <algorithm>
#include <sstream>

#include "config/did_you_mean.hpp"
#include "config/value_checks.hpp"

namespace outpools::config {

void validation_context::error(const toml::source_position& at, std::string path,
                               std::string message) const {
  out->push_back({.severity = diagnostic::level::error,
                  .file = file,
                  .line = at.line,
                  .column = at.column,
                  .path = std::move(path),
                  .message = std::move(message)});
}

void validation_context::warning(const toml::source_position& at, std::string path,
                                 std::string message) const {
  out->push_back({.severity = diagnostic::level::warning,
                  .file = file,
                  .line = at.line,
                  .column = at.column,
                  .path = std::move(path),
                  .message = std::move(message)});
}

std::size_t validation_context::error_count() const {
  return static_cast<std::size_t>(std::count_if(out->begin(), out->end(), [](const diagnostic& d) {
    return d.severity == diagnostic::level::error;
  }));
}

std::string join_path(const std::string& path, std::string_view key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  std::string out = path;
  if (!out.empty()) out += '.';
  if (bare) {
    out += key;
  } else {
    out += '"';
    for (char c : key.substr(0, 80)) {
      if (c == '"' || c == '\\') out += '\\';
      out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    }
    out += '"';
  }
  return out;
}

std::string describe_found(const toml::node& node, bool secret) {
  switch (node.type()) {
    case toml::node_type::string: {
      if (secret) return "a string";
      const std::string& s = node.as_string()->get();
      if (s.empty()) return "\"\"";
      std::string shown = s.size() > 60 ? s.substr(0, 60) + "..." : s;
      std::string out = "\"";
      for (char c : shown) {
        if (c == '"' || c == '\\') out += '\\';
        out += (c == '\n' || c == '\t') ? ' ' : c;
      }
      return out + "\"";
    }
    case toml::node_type::integer:
      return secret ? "an integer" : std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      if (secret) return "a floating-point number";
      std::ostringstream s;
      s << node.as_floating_point()->get();
      return "the floating-point number " + s.str();
    }
    case toml::node_type::boolean:
      return secret ? "a boolean" : (node.as_boolean()->get() ? "true" : "false");
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

namespace {

std::vector<std::string> known_names(const section_schema& schema) {
  std::vector<std::string> names;
  for (const option_schema& o : schema.options) names.push_back(o.name);
  return names;
}

const std::string* refusal_of(const section_schema& schema, std::string_view key) {
  for (const auto& [name, reason] : schema.refused_keys)
    if (name == key) return &reason;
  return nullptr;
}

bool is_table_kind(const option_schema& o) {
  return o.kind == value_kind::table || o.kind == value_kind::table_list;
}

}  // namespace

section_result validate_section(const section_input& input, const section_schema& schema,
                                const validation_context& ctx) {
  section_result result;
  result.where = input.table ? input.table->source().begin : input.where;
  if (result.where.line == 0) result.where = input.where;
  std::map<std::string, const toml::node*, std::less<>> present;

  // First pass: every key present — unknown, refused outright, or a scalar value to check.
  // Tables are checked later, in schema order, once their siblings are known.
  if (input.table) {
    for (auto&& [key, node] : *input.table) {
      const std::string name(key.str());
      const std::string path = join_path(input.path, name);
      toml::source_position at = key.source().begin.line ? key.source().begin : node.source().begin;
      const option_schema* option = schema.find(name);
      if (option == nullptr) {
        if (const std::string* reason = refusal_of(schema, name)) {
          ctx.error(at, path, "not allowed: " + *reason);
        } else {
          std::vector<std::string> names = known_names(schema);
          std::string expected;
          for (const std::string& n : names) expected += (expected.empty() ? "" : ", ") + n;
          ctx.error(
              at, path,
              "unknown option" +
                  (expected.empty() ? std::string() : " (expected one of: " + expected + ")") +
                  did_you_mean(name, names));
        }
        continue;
      }
      result.positions.emplace(name, at);
      present.emplace(name, &node);
      if (is_table_kind(*option)) continue;
      std::optional<json::value> value =
          check_value(node, *option, path, input.parent, input.secret || option->secret, ctx);
      result.values[name] = value ? std::move(*value) : json::value(nullptr);
    }
  }

  // Second pass, in schema order: refusals, required options, tables, defaults.
  rule_context rules{
      .type = ctx.type, .section = result.values, .parent = input.parent, .pool = ctx.pool};
  for (const option_schema& option : schema.options) {
    const std::string path = join_path(input.path, option.name);
    auto found = present.find(option.name);
    if (found != present.end()) {
      const toml::source_position at = result.positions.at(option.name);
      std::string refused = option.refused_if ? option.refused_if(rules) : "";
      if (!refused.empty()) {
        ctx.error(at, path, "not allowed " + refused);
        result.values.erase(option.name);
        continue;
      }
      if (is_table_kind(option)) {
        std::optional<json::value> value = check_value(*found->second, option, path, &result.values,
                                                       input.secret || option.secret, ctx);
        result.values[option.name] = value ? std::move(*value) : json::value(nullptr);
      }
      const json::value* checked = result.values.if_contains(option.name);
      bool valid = checked != nullptr && !checked->is_null();
      std::string warning = valid && option.warn_if ? option.warn_if(rules) : "";
      if (!warning.empty()) ctx.warning(at, path, warning);
      continue;
    }
    if (is_table_kind(option) && option.validate_when_absent) {
      section_result absent = validate_section(
          {.where = result.where, .path = path, .parent = &result.values, .secret = input.secret},
          *option.children, ctx);
      result.values[option.name] = std::move(absent.values);
      continue;
    }
    std::string required = option.required_if ? option.required_if(rules) : "";
    if (!required.empty()) {
      ctx.error(result.where, path, "missing: required " + required);
      continue;
    }
    if (option.default_value) {
      if (std::optional<json::value> value = option.default_value(rules))
        result.values[option.name] = std::move(*value);
    }
  }
  return result;
}

json::object display_document(const json::object& values, const section_schema& schema) {
  json::object out;
  for (const option_schema& option : schema.options) {
    if (option.name == "tls") continue;
    const json::value* v = values.if_contains(option.name);
    if (v == nullptr || v->is_null()) {
      out[option.name] = nullptr;
    } else if (option.secret) {
      out[option.name] = secret::masked();
    } else if (option.kind == value_kind::table && v->is_object()) {
      out[option.name] = display_document(v->get_object(), *option.children);
    } else if (option.kind == value_kind::table_list && v->is_array()) {
      json::array items;
      for (const json::value& item : v->get_array())
        items.emplace_back(display_document(item.get_object(), *option.children));
      out[option.name] = std::move(items);
    } else {
      out[option.name] = *v;
    }
  }
  return out;
}

}  // namespace outpools::config
