// `outpools check` lines and `outpools show` documents, from the typed specs.
#include <boost/json.hpp>

#include "outpools/config.hpp"

namespace outpools {
namespace {

namespace json = boost::json;

json::value milliseconds_or_null(const std::optional<std::chrono::milliseconds>& ms) {
  return ms ? json::value(ms->count()) : json::value(nullptr);
}

json::object describe(const pool_spec& spec) {
  json::object o;
  o["type"] = to_string(spec.type);
  o["tag"] = spec.tag;
  o["host"] = spec.host ? json::value(*spec.host) : json::value(nullptr);
  o["scope"] = to_string(spec.scope);
  o["strategy"] = to_string(spec.strategy);
  o["workers"] = spec.workers;
  o["call_timeout_ms"] =
      spec.call_timeout ? json::value(spec.call_timeout->count()) : json::value("infinity");
  o["connect_timeout_ms"] = milliseconds_or_null(spec.connect_timeout);
  if (spec.type == pool_type::generic) {
    o["reconnect_backoff_ms"] = nullptr;
  } else {
    o["reconnect_backoff_ms"] =
        json::array{spec.reconnect_backoff_min.count(), spec.reconnect_backoff_max.count()};
  }
  o["connection"] = spec.connection_document ? *spec.connection_document : json::object();
  o["tls"] = spec.tls_document ? json::value(*spec.tls_document) : json::value(nullptr);
  return o;
}

void pretty(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  " + json::serialize(json::value(key)) + ": ";
      pretty(out, value, indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const json::value& item : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  ";
      pretty(out, item, indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += json::serialize(v);
  }
}

void flatten(std::string& out, const std::string& prefix, const json::object& o) {
  for (const auto& [key, value] : o) {
    if (prefix.empty() && (key == "type" || key == "tag" || key == "host")) continue;
    const std::string name = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    if (value.is_object() && !value.get_object().empty()) {
      flatten(out, name, value.get_object());
    } else {
      out += "  " + name + " = " + json::serialize(value) + "\n";
    }
  }
}

}  // namespace

std::string summary_line(const pool_spec& spec) {
  return spec.name() + "  strategy=" + std::string(to_string(spec.strategy)) +
         " workers=" + std::to_string(spec.workers) + " call_timeout=" +
         (spec.call_timeout ? std::to_string(spec.call_timeout->count()) : "infinity");
}

std::string describe_json(const configuration& config) {
  json::array pools;
  for (const pool_spec& spec : config.pools) pools.emplace_back(describe(spec));
  std::string out;
  pretty(out, pools, 0);
  return out + "\n";
}

std::string describe_text(const configuration& config) {
  std::string out;
  for (const pool_spec& spec : config.pools) {
    out += spec.name() + "\n";
    flatten(out, "", describe(spec));
  }
  return out;
}

}  // namespace outpools
