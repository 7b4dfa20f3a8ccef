// The configuration loader: TOML text → validated, typed pool specs, or every error in it.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "config/did_you_mean.hpp"
#include "config/schema_rules.hpp"
#include "config/section_validator.hpp"
#include "config/spec_builder.hpp"
#include "config/syntax_error.hpp"
#include "outpools/config.hpp"

namespace outpools {
namespace config {
namespace {

const std::string pools_key = "outgoing_pools";

std::vector<std::string> type_names() {
  std::vector<std::string> names;
  for (pool_type t : all_pool_types()) names.emplace_back(to_string(t));
  return names;
}

// Names people reach for that are not pool types, and the type they mean.
std::string pool_type_hint(std::string_view name) {
  static const std::vector<std::pair<std::string_view, std::string_view>> hints{
      {"pgsql", "rdbms\" with driver = \"pgsql"},
      {"postgres", "rdbms\" with driver = \"pgsql"},
      {"postgresql", "rdbms\" with driver = \"pgsql"},
      {"mysql", "rdbms\" with driver = \"mysql"},
      {"mariadb", "rdbms\" with driver = \"mysql"},
      {"odbc", "rdbms\" with driver = \"odbc"},
      {"elasticsearch", "elastic"},
      {"rabbitmq", "rabbit"},
      {"amqp", "rabbit"},
      {"https", "http"}};
  for (const auto& [alias, meant] : hints)
    if (alias == name) return "; did you mean \"" + std::string(meant) + "\"?";
  return did_you_mean(name, type_names());
}

bool valid_tag(std::string_view tag) {
  return !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

toml::source_position position_of(const toml::key& key, const toml::node& node) {
  return key.source().begin.line ? key.source().begin : node.source().begin;
}

struct pending_pool {
  validated_pool pool;
  toml::source_position where;
};

class loader {
 public:
  loader(std::string file, std::filesystem::path base_dir, std::vector<diagnostic>& out) {
    ctx_.file = std::move(file);
    ctx_.base_dir = std::move(base_dir);
    ctx_.out = &out;
  }

  configuration run(const toml::table& root) {
    std::vector<std::string> ignored;
    for (auto&& [key, node] : root) {
      std::string name(key.str());
      if (name == "general") {
        read_general(key, node, ignored);
      } else if (name != pools_key) {
        ignored.push_back(join_path("", name));
      }
    }
    if (!ignored.empty()) {
      std::string list;
      for (const std::string& i : ignored) list += (list.empty() ? "" : ", ") + i;
      ctx_.out->push_back({.severity = diagnostic::level::note,
                           .file = ctx_.file,
                           .message = "ignoring what is not about outgoing pools: " + list});
    }
    if (const toml::node* pools = root.get(pools_key)) read_pools(*pools);

    std::stable_sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    configuration config;
    config.hosts = hosts_;
    for (const pending_pool& p : pending_) expand(p.pool, config.pools);
    return config;
  }

 private:
  void read_general(const toml::key& key, const toml::node& node,
                    std::vector<std::string>& ignored) {
    const toml::table* general = node.as_table();
    if (general == nullptr) {
      ctx_.error(position_of(key, node), "general",
                 "expected a table, found " + describe_found(node, false));
      hosts_valid_ = false;
      return;
    }
    for (auto&& [k, v] : *general) {
      if (k.str() != "hosts") ignored.push_back(join_path("general", k.str()));
    }
    const toml::node* hosts = general->get("hosts");
    if (hosts == nullptr) return;
    const toml::array* array = hosts->as_array();
    if (array == nullptr || array->empty()) {
      ctx_.error(
          hosts->source().begin, "general.hosts",
          "expected a non-empty array of host names, found " + describe_found(*hosts, false));
      hosts_valid_ = false;
      return;
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string path = "general.hosts[" + std::to_string(i) + "]";
      if (!item.is_string() || item.as_string()->get().empty()) {
        ctx_.error(item.source().begin, path,
                   "expected a non-empty host name, found " + describe_found(item, false));
        hosts_valid_ = false;
      } else if (std::find(names.begin(), names.end(), item.as_string()->get()) != names.end()) {
        ctx_.error(item.source().begin, path,
                   "expected distinct host names, found " + describe_found(item, false) +
                       " a second time");
        hosts_valid_ = false;
      } else {
        names.push_back(item.as_string()->get());
      }
    }
    if (hosts_valid_) hosts_ = std::move(names);
  }

  void read_pools(const toml::node& node) {
    const toml::table* pools = node.as_table();
    if (pools == nullptr) {
      ctx_.error(node.source().begin, pools_key,
                 "expected a table of pool types, found " + describe_found(node, false));
      return;
    }
    for (auto&& [type_key, type_node] : *pools) {
      const std::string type_name(type_key.str());
      const std::string type_path = join_path(pools_key, type_name);
      std::optional<pool_type> type = parse_pool_type(type_name);
      if (!type) {
        std::string expected;
        for (const std::string& n : type_names()) expected += (expected.empty() ? "" : ", ") + n;
        ctx_.error(
            position_of(type_key, type_node), type_path,
            "unknown pool type (expected one of: " + expected + ")" + pool_type_hint(type_name));
        continue;
      }
      const toml::table* tags = type_node.as_table();
      if (tags == nullptr) {
        ctx_.error(type_node.source().begin, type_path,
                   "expected a table of pools [" + type_path + ".TAG], found " +
                       describe_found(type_node, false));
        continue;
      }
      for (auto&& [tag_key, pool_node] : *tags) read_pool(*type, tag_key, pool_node, type_path);
    }
  }

  void read_pool(pool_type type, const toml::key& tag_key, const toml::node& node,
                 const std::string& type_path) {
    const std::string tag(tag_key.str());
    const std::string path = join_path(type_path, tag);
    const toml::source_position where = position_of(tag_key, node);
    const std::size_t errors_before = ctx_.error_count();
    if (!valid_tag(tag)) {
      ctx_.error(where, path,
                 "expected a tag of letters, digits, '_' and '-', found " + join_path("", tag));
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      ctx_.error(node.source().begin, path,
                 "expected a table of pool options, found " + describe_found(node, false));
      return;
    }
    if ((type == pool_type::riak || type == pool_type::elastic) && tag != "default") {
      ctx_.error(where, path,
                 "expected the tag \"default\" (" + std::string(to_string(type)) +
                     " has one pool per host, tagged default), found \"" + tag + "\"");
    }

    ctx_.type = type;
    ctx_.pool = nullptr;
    section_result pool =
        validate_section({.table = table, .where = where, .path = path}, pool_schema(type), ctx_);
    check_pool_rules(type, path, *table, pool);
    if (ctx_.error_count() != errors_before) return;

    validated_pool v{.type = type, .tag = tag, .file = ctx_.file, .line = where.line};
    if (json::value* connection = pool.values.if_contains("connection")) {
      v.connection = std::move(connection->as_object());
      pool.values.erase("connection");
    }
    v.pool = std::move(pool.values);
    v.tls = tls_of(v);
    pending_.push_back({std::move(v), where});
  }

  // The rules that span options: reconnect backoff bounds, host among general.hosts, and the
  // request_timeout warning.
  void check_pool_rules(pool_type type, const std::string& path, const toml::table& table,
                        const section_result& pool) {
    const json::object& values = pool.values;
    auto position = [&](std::string_view key) {
      auto it = pool.positions.find(key);
      return it == pool.positions.end() ? pool.where : it->second;
    };
    const json::value* min = values.if_contains("reconnect_backoff_min");
    const json::value* max = values.if_contains("reconnect_backoff_max");
    if (min && max && min->is_int64() && max->is_int64() && min->get_int64() > max->get_int64()) {
      // Named at the option that closes the contradiction: the later one in the file, or the
      // only one set.
      bool min_set = pool.positions.contains("reconnect_backoff_min");
      bool max_set = pool.positions.contains("reconnect_backoff_max");
      bool at_max = max_set && (!min_set || position("reconnect_backoff_min").line <=
                                                position("reconnect_backoff_max").line);
      const char* key = at_max ? "reconnect_backoff_max" : "reconnect_backoff_min";
      ctx_.error(position(key), join_path(path, key),
                 "expected reconnect_backoff_min ≤ reconnect_backoff_max, found " +
                     std::to_string(min->get_int64()) + " > " + std::to_string(max->get_int64()));
    }
    if (std::optional<std::string> host = string_option(values, "host"); host && hosts_valid_) {
      if (std::find(hosts_.begin(), hosts_.end(), *host) == hosts_.end()) {
        std::string list;
        for (const std::string& h : hosts_) list += (list.empty() ? "\"" : ", \"") + h + "\"";
        ctx_.error(position("host"), join_path(path, "host"),
                   "expected one of general.hosts (" + list + "), found \"" + *host + "\"" +
                       did_you_mean(*host, hosts_));
      }
    }
    const json::value* connection = values.if_contains("connection");
    if (type == pool_type::http && connection && connection->is_object()) {
      const json::value* request = connection->get_object().if_contains("request_timeout");
      const json::value* call = values.if_contains("call_timeout");
      if (request && call && request->is_int64() && call->is_int64() &&
          request->get_int64() >= call->get_int64()) {
        // At request_timeout when it is set, else at the call_timeout that undercuts its
        // default.
        const toml::node* set = table.at_path("connection.request_timeout").node();
        ctx_.warning(set ? set->source().begin : position("call_timeout"),
                     path + ".connection.request_timeout",
                     "request_timeout (" + std::to_string(request->get_int64()) +
                         " ms) should be lower than call_timeout (" +
                         std::to_string(call->get_int64()) + " ms)");
      }
    }
  }

  // The TLS options when TLS is on for this pool: the tls table as given, or its defaults when
  // TLS is on by another option (https host, riak credentials, ldap encrypt = "tls").
  std::optional<json::object> tls_of(validated_pool& v) {
    if (json::value* tls = v.connection.if_contains("tls"); tls && tls->is_object()) {
      json::object table = std::move(tls->as_object());
      v.connection.erase("tls");
      return table;
    }
    const bool on = (v.type == pool_type::http &&
                     string_option(v.connection, "host").value_or("").starts_with("https://")) ||
                    (v.type == pool_type::riak && has_option(v.connection, "credentials")) ||
                    (v.type == pool_type::ldap && string_option(v.connection, "encrypt") == "tls");
    if (!on) return std::nullopt;
    std::vector<diagnostic> none;
    validation_context quiet = ctx_;
    quiet.out = &none;
    return validate_section({.path = "tls"}, tls_schema(), quiet).values;
  }

  void expand(const validated_pool& v, std::vector<pool_spec>& out) const {
    const std::string scope = string_option(v.pool, "scope").value_or("global");
    if (scope == "host") {
      for (const std::string& host : hosts_) out.push_back(build_pool_spec(v, host));
    } else if (scope == "single_host") {
      out.push_back(build_pool_spec(v, string_option(v.pool, "host")));
    } else {
      out.push_back(build_pool_spec(v, std::nullopt));
    }
  }

  validation_context ctx_;
  std::vector<std::string> hosts_{"localhost"};
  bool hosts_valid_ = true;
  std::vector<pending_pool> pending_;
};

}  // namespace
}  // namespace config

load_result load_config_string(std::string_view text, std::string_view file_name,
                               const std::filesystem::path& base_dir) {
  load_result result;
  const std::string file(file_name);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    result.diagnostics.push_back(config::syntax_error_diagnostic(text, file, e));
    return result;
  }
  config::loader l(file, base_dir, result.diagnostics);
  result.config = l.run(root);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const diagnostic& a, const diagnostic& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  return result;
}

load_result load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (std::error_code dir_ec; !in || in.bad() || std::filesystem::is_directory(path, dir_ec)) {
    load_result result;
    std::error_code ec;
    const char* why = std::filesystem::is_directory(path, ec) ? "it is a folder"
                      : std::filesystem::exists(path, ec)     ? "permission denied"
                                                              : "no such file";
    result.diagnostics.push_back(
        {.file = path.string(), .message = std::string("cannot read the file: ") + why});
    return result;
  }
  std::filesystem::path base = path.parent_path();
  if (base.empty()) base = ".";
  return load_config_string(text.str(), path.string(), std::filesystem::absolute(base));
}

}  // namespace outpools
