#include "config/spec_builder.hpp"

#include "config/http_url.hpp"

#include <boost/json.hpp>

namespace outpools::config {
namespace {

using std::chrono::milliseconds;

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::string> optional_text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  return std::nullopt;
}

std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : fallback;
}

bool flag(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::uint16_t port(const json::object& o, std::string_view key) {
  return static_cast<std::uint16_t>(integer(o, key));
}

rdbms_options rdbms(const json::object& c) {
  rdbms_options r;
  const std::string driver = text(c, "driver");
  r.driver = driver == "mysql"  ? rdbms_driver::mysql
             : driver == "odbc" ? rdbms_driver::odbc
                                : rdbms_driver::pgsql;
  if (auto s = optional_text(c, "settings")) r.settings = secret(*s);
  r.host = text(c, "host");
  r.database = text(c, "database");
  r.username = text(c, "username");
  if (auto s = optional_text(c, "password")) r.password = secret(*s);
  r.port = port(c, "port");
  if (c.contains("keepalive_interval"))
    r.keepalive_interval = std::chrono::seconds(integer(c, "keepalive_interval"));
  return r;
}

http_options http(const json::object& c) {
  http_options h;
  h.url = text(c, "host");
  std::string unused;
  if (std::optional<http_url> parts = parse_http_url(h.url, unused)) {  // validated already
    h.https = parts->https;
    h.host_name = std::move(parts->host_name);
    h.port = parts->port;
  }
  h.path_prefix = text(c, "path_prefix");
  h.request_timeout = milliseconds(integer(c, "request_timeout"));
  return h;
}

redis_options redis(const json::object& c) {
  return {.host = text(c, "host"),
          .port = port(c, "port"),
          .database = integer(c, "database"),
          .password = secret(text(c, "password"))};
}

riak_options riak(const json::object& c) {
  riak_options r{.address = text(c, "address"), .port = port(c, "port")};
  if (const json::value* cred = c.if_contains("credentials"); cred && cred->is_object())
    r.credentials = riak_credentials{.user = text(cred->get_object(), "user"),
                                     .password = secret(text(cred->get_object(), "password"))};
  return r;
}

cassandra_options cassandra(const json::object& c) {
  cassandra_options r{.keyspace = text(c, "keyspace")};
  if (const json::value* servers = c.if_contains("servers"); servers && servers->is_array()) {
    for (const json::value& s : servers->get_array())
      r.servers.push_back(
          {.ip_address = text(s.get_object(), "ip_address"), .port = port(s.get_object(), "port")});
  }
  const json::value* auth = c.if_contains("auth");
  const json::value* plain =
      auth && auth->is_object() ? auth->get_object().if_contains("plain") : nullptr;
  if (plain && plain->is_object() && plain->get_object().contains("username"))
    r.auth_plain = cassandra_auth_plain{.username = text(plain->get_object(), "username"),
                                        .password = secret(text(plain->get_object(), "password"))};
  return r;
}

rabbit_options rabbit(const json::object& c) {
  rabbit_options r{.amqp_host = text(c, "amqp_host"),
                   .amqp_port = port(c, "amqp_port"),
                   .amqp_username = text(c, "amqp_username"),
                   .amqp_password = secret(text(c, "amqp_password")),
                   .confirms_enabled = flag(c, "confirms_enabled")};
  const json::value* len = c.if_contains("max_worker_queue_len");
  if (len && len->is_int64()) {
    r.max_worker_queue_len = static_cast<std::size_t>(len->get_int64());
  } else {
    r.max_worker_queue_len = std::nullopt;  // "infinity"
  }
  return r;
}

ldap_options ldap(const json::object& c) {
  ldap_options l;
  l.servers.clear();
  if (const json::value* servers = c.if_contains("servers"); servers && servers->is_array())
    for (const json::value& s : servers->get_array()) l.servers.emplace_back(s.get_string());
  l.port = port(c, "port");
  l.rootdn = text(c, "rootdn");
  l.password = secret(text(c, "password"));
  l.connect_interval = milliseconds(integer(c, "connect_interval"));
  l.encrypt = text(c, "encrypt") == "tls" ? ldap_encrypt::tls : ldap_encrypt::none;
  return l;
}

connection_options typed_connection(pool_type type, const json::object& c) {
  switch (type) {
    case pool_type::rdbms:
      return rdbms(c);
    case pool_type::http:
      return http(c);
    case pool_type::redis:
      return redis(c);
    case pool_type::riak:
      return riak(c);
    case pool_type::cassandra:
      return cassandra(c);
    case pool_type::elastic:
      return elastic_options{.host = text(c, "host"), .port = port(c, "port")};
    case pool_type::rabbit:
      return rabbit(c);
    case pool_type::ldap:
      return ldap(c);
    case pool_type::generic:
      break;
  }
  return generic_options{};
}

tls_options typed_tls(const json::object& t) {
  tls_options o;
  o.required = flag(t, "required");
  o.verify_peer = flag(t, "verify_peer");
  if (auto p = optional_text(t, "certfile")) o.certfile = *p;
  if (auto p = optional_text(t, "cacertfile")) o.cacertfile = *p;
  if (auto p = optional_text(t, "dhfile")) o.dhfile = *p;
  if (auto p = optional_text(t, "keyfile")) o.keyfile = *p;
  if (auto p = optional_text(t, "password")) o.password = secret(*p);
  if (auto ciphers = optional_text(t, "ciphers")) {
    std::string_view rest = *ciphers;
    while (!rest.empty()) {
      std::size_t end = rest.find(':');
      std::string_view name = rest.substr(0, end);
      std::string& list = name.starts_with("TLS_") ? o.ciphersuites : o.cipher_list;
      if (!list.empty()) list += ':';
      list += name;
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  if (const json::value* versions = t.if_contains("versions"); versions && versions->is_array()) {
    for (const json::value& v : versions->get_array()) {
      std::string_view name = v.get_string();
      o.versions.push_back(name == "tlsv1"     ? tls_version::tlsv1
                           : name == "tlsv1.1" ? tls_version::tlsv1_1
                           : name == "tlsv1.2" ? tls_version::tlsv1_2
                                               : tls_version::tlsv1_3);
    }
  }
  o.server_name_indication = flag(t, "server_name_indication");
  return o;
}

}  // namespace

pool_spec build_pool_spec(const validated_pool& v, const std::optional<std::string>& host) {
  pool_spec spec;
  spec.type = v.type;
  spec.tag = v.tag;
  spec.host = host;
  const std::string scope = text(v.pool, "scope");
  spec.scope = scope == "host"          ? pool_scope::host
               : scope == "single_host" ? pool_scope::single_host
                                        : pool_scope::global;
  spec.strategy =
      v.type == pool_type::elastic
          ? worker_strategy::available_worker
          : parse_worker_strategy(text(v.pool, "strategy")).value_or(worker_strategy::best_worker);
  spec.workers = static_cast<std::uint32_t>(integer(v.pool, "workers", 100));
  spec.call_timeout = v.type == pool_type::elastic
                          ? std::nullopt
                          : std::optional<milliseconds>(integer(v.pool, "call_timeout"));
  if (v.type == pool_type::generic) {
    spec.connect_timeout = std::nullopt;
  } else {
    spec.connect_timeout = milliseconds(integer(v.pool, "connect_timeout"));
  }
  if (v.type == pool_type::ldap) {
    milliseconds interval(integer(v.connection, "connect_interval"));
    spec.reconnect_backoff_min = spec.reconnect_backoff_max = interval;
  } else if (v.type != pool_type::generic) {
    spec.reconnect_backoff_min = milliseconds(integer(v.pool, "reconnect_backoff_min"));
    spec.reconnect_backoff_max = milliseconds(integer(v.pool, "reconnect_backoff_max"));
  }
  spec.connection = typed_connection(v.type, v.connection);
  if (const auto* rabbit = std::get_if<rabbit_options>(&spec.connection))
    spec.max_worker_queue_len = rabbit->max_worker_queue_len;
  if (v.tls) spec.tls = typed_tls(*v.tls);

  if (const section_schema* schema = connection_schema(v.type)) {
    spec.connection_document =
        std::make_shared<const json::object>(display_document(v.connection, *schema));
  } else {
    spec.connection_document = std::make_shared<const json::object>();
  }
  if (v.tls)
    spec.tls_document =
        std::make_shared<const json::object>(display_document(*v.tls, tls_schema()));
  spec.source_file = v.file;
  spec.source_line = v.line;
  return spec;
}

}  // namespace outpools::config
