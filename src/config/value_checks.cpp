#include "config/value_checks.hpp"

#include <unistd.h>

#include <system_error>

#include "config/did_you_mean.hpp"
#include "config/http_url.hpp"
#include "config/schema_rules.hpp"
#include "config/tls_ciphers.hpp"

namespace outpools::config {
namespace {

namespace fs = std::filesystem;

std::string quoted_list(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "\"" : ", \"") + w + "\"";
  return out;
}

std::string expected_integer(const option_schema& o) {
  if (o.allow_infinity) {
    return o.min == 0 ? "a non-negative integer or \"infinity\""
                      : "an integer ≥ " + std::to_string(o.min) + " or \"infinity\"";
  }
  if (o.max == std::numeric_limits<std::int64_t>::max())
    return o.min == 0 ? "a non-negative integer" : "an integer ≥ " + std::to_string(o.min);
  return "an integer in " + std::to_string(o.min) + ".." + std::to_string(o.max);
}

// The common shape of a wrong value: "expected X, found Y".
void wrong(const validation_context& ctx, const toml::node& node, const std::string& path,
           const std::string& expected, bool secret, const std::string& tail = "") {
  ctx.error(node.source().begin, path,
            "expected " + expected + ", found " + describe_found(node, secret) + tail);
}

std::optional<json::value> check_integer(const toml::node& node, const option_schema& o,
                                         const std::string& path, bool secret,
                                         const validation_context& ctx) {
  if (o.allow_infinity && node.is_string() && node.as_string()->get() == "infinity")
    return json::value("infinity");
  if (!node.is_integer()) {
    wrong(ctx, node, path, expected_integer(o), secret);
    return std::nullopt;
  }
  std::int64_t v = node.as_integer()->get();
  if (v < o.min || v > o.max) {
    wrong(ctx, node, path, expected_integer(o), secret);
    return std::nullopt;
  }
  return json::value(v);
}

std::optional<std::string> check_string(const toml::node& node, const option_schema& o,
                                        const std::string& path, bool secret,
                                        const validation_context& ctx) {
  if (!node.is_string()) {
    wrong(ctx, node, path, o.allow_empty ? "a string" : "a non-empty string", secret);
    return std::nullopt;
  }
  const std::string& s = node.as_string()->get();
  if (s.empty() && !o.allow_empty) {
    wrong(ctx, node, path, "a non-empty string", secret);
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> check_word(const toml::node& node, const option_schema& o,
                                      const std::string& path, const validation_context& ctx) {
  if (!node.is_string()) {
    wrong(ctx, node, path, "one of " + quoted_list(o.choices), o.secret);
    return std::nullopt;
  }
  const std::string& s = node.as_string()->get();
  for (const auto& [word, reason] : o.refused_choices) {
    if (s == word) {
      ctx.error(node.source().begin, path, "\"" + word + "\" is refused: " + reason);
      return std::nullopt;
    }
  }
  if (std::find(o.choices.begin(), o.choices.end(), s) == o.choices.end()) {
    wrong(ctx, node, path, "one of " + quoted_list(o.choices), o.secret,
          did_you_mean(s, o.choices));
    return std::nullopt;
  }
  return s;
}

std::optional<json::value> check_string_list(const toml::node& node, const option_schema& o,
                                             const std::string& path, bool secret,
                                             const validation_context& ctx) {
  const toml::array* array = node.as_array();
  if (array == nullptr || array->empty()) {
    wrong(ctx, node, path, "a non-empty array of strings", secret);
    return std::nullopt;
  }
  json::array out;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    std::string item_path = path + "[" + std::to_string(i) + "]";
    std::optional<std::string> s = o.choices.empty() ? check_string(item, o, item_path, secret, ctx)
                                                     : check_word(item, o, item_path, ctx);
    if (s) out.emplace_back(*s);
    ok = ok && s.has_value();
  }
  return ok ? std::optional<json::value>(std::move(out)) : std::nullopt;
}

std::optional<json::value> check_path(const toml::node& node, const option_schema& o,
                                      const std::string& path, const validation_context& ctx) {
  std::optional<std::string> text = check_string(node, o, path, false, ctx);
  if (!text) return std::nullopt;
  fs::path file = fs::path(*text).is_absolute() ? fs::path(*text) : ctx.base_dir / *text;
  file = file.lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    wrong(ctx, node, path, "an existing file", false,
          fs::exists(file, ec) ? " (not a regular file: " + file.string() + ")"
                               : " (no such file: " + file.string() + ")");
    return std::nullopt;
  }
  if (::access(file.c_str(), R_OK) != 0) {
    wrong(ctx, node, path, "a readable file", false, " (cannot read " + file.string() + ")");
    return std::nullopt;
  }
  return json::value(file.string());
}

std::optional<json::value> check_url(const toml::node& node, const option_schema& o,
                                     const std::string& path, const validation_context& ctx) {
  std::optional<std::string> text = check_string(node, o, path, false, ctx);
  if (!text) return std::nullopt;
  std::string problem;
  if (!parse_http_url(*text, problem)) {
    // A URL with user information may carry a password: it is not echoed.
    bool has_user_info = text->find('@') != std::string::npos;
    wrong(ctx, node, path, "\"http[s]://NAME[:PORT]\"", has_user_info,
          has_user_info ? " (a user name or password is not part of host; it is not shown)"
                        : " (" + problem + ")");
    return std::nullopt;
  }
  return json::value(*text);
}

const section_schema& cipher_entry_schema() {
  static const section_schema schema = [] {
    section_schema s;
    auto word = [](std::string name, const std::vector<std::string>& words, bool required) {
      return option_schema{.name = std::move(name),
                           .kind = value_kind::enumeration,
                           .choices = words,
                           .required_if = required ? always("in every entry") : nullptr};
    };
    s.options.push_back(word("cipher", cipher_words(), true));
    s.options.push_back(word("key_exchange", key_exchange_words(), true));
    s.options.push_back(word("mac", mac_words(), true));
    s.options.push_back(word("prf", prf_words(), false));
    return s;
  }();
  return schema;
}

std::optional<json::value> check_ciphers(const toml::node& node, const std::string& path,
                                         const validation_context& ctx) {
  cipher_lists lists;
  if (node.is_string()) {
    std::string problem = add_cipher_string(node.as_string()->get(), lists);
    if (!problem.empty()) {
      ctx.error(node.source().begin, path,
                "expected an OpenSSL cipher list of known names, found " + problem);
      return std::nullopt;
    }
    return json::value(lists.joined());
  }
  const toml::array* array = node.as_array();
  if (array == nullptr || array->empty()) {
    wrong(ctx, node, path,
          "an OpenSSL cipher string or a non-empty array of {cipher, key_exchange, mac, prf}",
          false);
    return std::nullopt;
  }
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_table()) {
      wrong(ctx, item, item_path, "a table {cipher, key_exchange, mac, prf}", false);
      ok = false;
      continue;
    }
    std::size_t errors_before = ctx.error_count();
    section_result entry = validate_section(
        {.table = item.as_table(), .where = item.source().begin, .path = item_path},
        cipher_entry_schema(), ctx);
    if (ctx.error_count() != errors_before) {
      ok = false;
      continue;
    }
    cipher_entry e{.cipher = *string_option(entry.values, "cipher"),
                   .key_exchange = *string_option(entry.values, "key_exchange"),
                   .mac = *string_option(entry.values, "mac"),
                   .prf = string_option(entry.values, "prf")};
    std::string why;
    std::optional<std::string> name = suite_name(e, why);
    if (!name) {
      ctx.error(item.source().begin, item_path, "expected a real cipher suite, found " + why);
      ok = false;
      continue;
    }
    (name->starts_with("TLS_") ? lists.tls13 : lists.tls12).push_back(*name);
  }
  return ok ? std::optional<json::value>(json::value(lists.joined())) : std::nullopt;
}

std::optional<json::value> check_tables(const toml::node& node, const option_schema& o,
                                        const std::string& path, const json::object* parent,
                                        bool secret, const validation_context& ctx) {
  if (o.kind == value_kind::table) {
    if (!node.is_table()) {
      wrong(ctx, node, path, "a table", secret);
      return std::nullopt;
    }
    section_result r = validate_section({.table = node.as_table(),
                                         .where = node.source().begin,
                                         .path = path,
                                         .parent = parent,
                                         .secret = secret},
                                        *o.children, ctx);
    return json::value(std::move(r.values));
  }
  const toml::array* array = node.as_array();
  if (array == nullptr || array->empty()) {
    wrong(ctx, node, path, "a non-empty array of tables", secret);
    return std::nullopt;
  }
  json::array out;
  std::size_t errors_before = ctx.error_count();
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_table()) {
      wrong(ctx, item, item_path, "a table", secret);
      continue;
    }
    section_result r = validate_section({.table = item.as_table(),
                                         .where = item.source().begin,
                                         .path = item_path,
                                         .parent = parent,
                                         .secret = secret},
                                        *o.children, ctx);
    out.emplace_back(std::move(r.values));
  }
  if (ctx.error_count() != errors_before) return std::nullopt;
  return json::value(std::move(out));
}

}  // namespace

std::optional<json::value> check_value(const toml::node& node, const option_schema& o,
                                       const std::string& path, const json::object* parent,
                                       bool secret, const validation_context& ctx) {
  switch (o.kind) {
    case value_kind::boolean:
      if (!node.is_boolean()) {
        wrong(ctx, node, path, "true or false", secret);
        return std::nullopt;
      }
      return json::value(node.as_boolean()->get());
    case value_kind::integer:
      return check_integer(node, o, path, secret, ctx);
    case value_kind::string:
      if (auto s = check_string(node, o, path, secret, ctx)) return json::value(*s);
      return std::nullopt;
    case value_kind::enumeration:
      if (auto s = check_word(node, o, path, ctx)) return json::value(*s);
      return std::nullopt;
    case value_kind::string_list:
      return check_string_list(node, o, path, secret, ctx);
    case value_kind::path:
      return check_path(node, o, path, ctx);
    case value_kind::http_url:
      return check_url(node, o, path, ctx);
    case value_kind::ciphers:
      return check_ciphers(node, path, ctx);
    case value_kind::table:
    case value_kind::table_list:
      return check_tables(node, o, path, parent, secret, ctx);
  }
  return std::nullopt;
}

}  // namespace outpools::config
