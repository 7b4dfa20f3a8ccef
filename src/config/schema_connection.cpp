// The `connection` options of every type (SPEC.md, "Connection options, by TYPE").
#include <map>
#include <memory>

#include "config/schema.hpp"
#include "config/schema_rules.hpp"

namespace outpools::config {
namespace {

option_schema port_option(std::string name, std::int64_t default_port, std::int64_t max = 65535) {
  return {.name = std::move(name),
          .kind = value_kind::integer,
          .syntax = "integer 1.." + std::to_string(max),
          .default_doc = std::to_string(default_port),
          .doc = "TCP port of the server",
          .min = 1,
          .max = max,
          .default_value = constant(default_port)};
}

option_schema text_option(std::string name, std::string default_text, std::string doc,
                          bool secret = false) {
  return {.name = std::move(name),
          .kind = value_kind::string,
          .syntax = "string",
          .default_doc = "\"" + default_text + "\"",
          .doc = std::move(doc),
          .allow_empty = true,
          .secret = secret,
          .default_value = constant(json::string(default_text))};
}

option_schema tls_table(condition refused_if, std::string rule) {
  return {.name = "tls",
          .kind = value_kind::table,
          .syntax = "table (see TLS options)",
          .rule = std::move(rule),
          .doc = "TLS settings of the connection",
          .refused_if = std::move(refused_if),
          .children = std::shared_ptr<const section_schema>(&tls_schema(), [](auto*) {})};
}

std::shared_ptr<const section_schema> shared(section_schema s) {
  return std::make_shared<const section_schema>(std::move(s));
}

section_schema rdbms() {
  section_schema s;
  s.options.push_back({.name = "driver",
                       .kind = value_kind::enumeration,
                       .syntax = R"("pgsql", "mysql", "odbc")",
                       .rule = "required",
                       .doc = "which database client to use",
                       .choices = {"pgsql", "mysql", "odbc"},
                       .required_if = always("for every rdbms pool")});
  s.options.push_back({.name = "settings",
                       .kind = value_kind::string,
                       .syntax = "string (ODBC connection string)",
                       .rule = "required for odbc; refused for pgsql and mysql",
                       .doc = "ODBC connection string, e.g. \"DSN=mydb\" (a secret)",
                       .secret = true,
                       .required_if = when_one_of("driver", {"odbc"}),
                       .refused_if = when_one_of("driver", {"pgsql", "mysql"})});
  const std::pair<const char*, const char*> server_options[] = {
      {"host", "server host name or address"},
      {"database", "database name"},
      {"username", "database user"},
      {"password", "password of the database user (a secret)"}};
  for (const auto& [name, doc] : server_options) {
    bool is_password = std::string_view(name) == "password";
    s.options.push_back({.name = name,
                         .kind = value_kind::string,
                         .syntax = "string",
                         .rule = "required for pgsql and mysql; refused for odbc",
                         .doc = doc,
                         .allow_empty = is_password,
                         .secret = is_password,
                         .required_if = when_one_of("driver", {"pgsql", "mysql"}),
                         .refused_if = when_one_of("driver", {"odbc"})});
  }
  option_schema port = port_option("port", 5432);
  port.default_doc = "5432 / 3306";
  port.rule = "our addition; refused for odbc";
  port.default_value = [](const rule_context& ctx) -> std::optional<json::value> {
    std::optional<std::string> driver = string_option(ctx.section, "driver");
    if (driver == "pgsql") return json::value(5432);
    if (driver == "mysql") return json::value(3306);
    return std::nullopt;
  };
  port.refused_if = when_one_of("driver", {"odbc"});
  s.options.push_back(std::move(port));
  s.options.push_back({.name = "keepalive_interval",
                       .kind = value_kind::integer,
                       .syntax = "positive integer, seconds",
                       .default_doc = "unset (off)",
                       .doc = "sends SELECT 1 on every idle connection at that interval; a "
                              "failure, or no answer within call_timeout, restarts the "
                              "connection",
                       .min = 1,
                       .max = max_milliseconds / 1000});
  s.options.push_back(tls_table(
      [odbc = when_one_of("driver", {"odbc"})](const rule_context& ctx) -> std::string {
        const std::string refused = odbc(ctx);
        return refused.empty() ? refused
                               : refused +
                                     " (ODBC takes its TLS from the data source or the "
                                     "settings string, e.g. psqlODBC's SSLmode)";
      },
      "pgsql and mysql only (ODBC takes its TLS from the DSN)"));
  return s;
}

section_schema http() {
  section_schema s;
  s.options.push_back({.name = "host",
                       .kind = value_kind::http_url,
                       .syntax = R"("http[s]://NAME[:PORT]")",
                       .rule = "required; scheme https means TLS",
                       .doc = "base URL of the server",
                       .required_if = always("for every http pool")});
  s.options.push_back({.name = "path_prefix",
                       .kind = value_kind::string,
                       .syntax = "string",
                       .default_doc = R"("/")",
                       .doc = "prepended to every request path",
                       .allow_empty = true,  // "": the paths of calls as they are
                       .default_value = constant("/")});
  s.options.push_back({.name = "request_timeout",
                       .kind = value_kind::integer,
                       .syntax = "positive integer, ms",
                       .default_doc = "2000",
                       .rule = "should be lower than call_timeout (a warning if not)",
                       .doc = "bound of one HTTP request to the server",
                       .min = 1,
                       .max = max_milliseconds,
                       .default_value = constant(2000)});
  s.options.push_back(tls_table(
      [](const rule_context& ctx) -> std::string {
        std::optional<std::string> host = string_option(ctx.section, "host");
        return host && host->starts_with("http://") ? "with an http:// host" : "";
      },
      "refused with an http:// host"));
  return s;
}

section_schema redis() {
  section_schema s;
  s.options.push_back(text_option("host", "127.0.0.1", "server host name or address"));
  s.options.back().allow_empty = false;
  s.options.push_back(port_option("port", 6379, 65534));
  s.options.push_back({.name = "database",
                       .kind = value_kind::integer,
                       .syntax = "non-negative integer",
                       .default_doc = "0",
                       .doc = "logical database index (SELECT)",
                       .min = 0,
                       .max = 2147483647,
                       .default_value = constant(0)});
  s.options.push_back(text_option("password", "", "AUTH password; \"\" sends no AUTH", true));
  s.refused_keys.emplace_back("tls", "redis pools take no TLS options");
  return s;
}

section_schema riak() {
  section_schema credentials;
  credentials.options.push_back({.name = "user",
                                 .kind = value_kind::string,
                                 .syntax = "string",
                                 .doc = "user name",
                                 .secret = true,
                                 .required_if = always("in credentials")});
  credentials.options.push_back({.name = "password",
                                 .kind = value_kind::string,
                                 .syntax = "string",
                                 .doc = "password",
                                 .allow_empty = true,
                                 .secret = true,
                                 .required_if = always("in credentials")});
  section_schema s;
  s.options.push_back({.name = "address",
                       .kind = value_kind::string,
                       .syntax = "string",
                       .rule = "required",
                       .doc = "server host name or address",
                       .required_if = always("for every riak pool")});
  s.options.push_back(port_option("port", 8087));
  s.options.push_back({.name = "credentials",
                       .kind = value_kind::table,
                       .syntax = R"({user = "...", password = "..."})",
                       .default_doc = "none",
                       .rule = "setting it forces TLS",
                       .doc = "user and password (a secret)",
                       .secret = true,
                       .children = shared(std::move(credentials))});
  s.options.push_back(tls_table(nullptr, "a tls table alone also turns TLS on"));
  return s;
}

section_schema cassandra() {
  section_schema server;
  server.options.push_back({.name = "ip_address",
                            .kind = value_kind::string,
                            .syntax = "string",
                            .rule = "required",
                            .doc = "host name or address of the node",
                            .required_if = always("in every server")});
  server.options.push_back(port_option("port", 9042));

  section_schema plain;
  plain.options.push_back({.name = "username",
                           .kind = value_kind::string,
                           .syntax = "string",
                           .rule = "both or neither",
                           .doc = "user name for plain-text authentication",
                           .required_if = when_set("password")});
  plain.options.push_back({.name = "password",
                           .kind = value_kind::string,
                           .syntax = "string",
                           .rule = "both or neither",
                           .doc = "password for plain-text authentication (a secret)",
                           .allow_empty = true,
                           .secret = true,
                           .required_if = when_set("username")});
  section_schema auth;
  auth.options.push_back({.name = "plain",
                          .kind = value_kind::table,
                          .syntax = "table {username, password}",
                          .doc = "plain-text authentication",
                          .children = shared(std::move(plain))});

  section_schema s;
  json::array default_servers;
  default_servers.push_back(json::object{{"ip_address", "localhost"}, {"port", 9042}});
  s.options.push_back({.name = "servers",
                       .kind = value_kind::table_list,
                       .syntax = R"(non-empty array of {ip_address = "...", port = 1..65535})",
                       .default_doc = R"([{ip_address = "localhost", port = 9042}])",
                       .rule = "port defaults to 9042",
                       .doc = "the cluster's nodes",
                       .default_value = constant(std::move(default_servers)),
                       .children = shared(std::move(server))});
  s.options.push_back(text_option("keyspace", "mongooseim", "keyspace to use"));
  s.options.back().allow_empty = false;
  s.options.push_back({.name = "auth",
                       .kind = value_kind::table,
                       .syntax = "table: auth.plain.username, auth.plain.password",
                       .default_doc = "none (no authentication)",
                       .rule = "username and password: both or neither",
                       .doc = "authentication",
                       .children = shared(std::move(auth))});
  s.options.push_back(tls_table(nullptr, ""));
  return s;
}

section_schema elastic() {
  section_schema s;
  s.options.push_back(text_option("host", "localhost", "server host name or address"));
  s.options.back().allow_empty = false;
  s.options.push_back(port_option("port", 9200));
  s.refused_keys.emplace_back("tls", "elastic pools take no TLS options");
  return s;
}

section_schema rabbit() {
  section_schema s;
  s.options.push_back(text_option("amqp_host", "localhost", "server host name or address"));
  s.options.back().allow_empty = false;
  s.options.push_back(port_option("amqp_port", 5672));
  s.options.push_back(text_option("amqp_username", "guest", "user name"));
  s.options.push_back(text_option("amqp_password", "guest", "password (a secret)", true));
  s.options.push_back({.name = "confirms_enabled",
                       .kind = value_kind::boolean,
                       .syntax = "boolean",
                       .default_doc = "false",
                       .doc = "publisher confirms, one to one",
                       .default_value = constant(false)});
  s.options.push_back(
      {.name = "max_worker_queue_len",
       .kind = value_kind::integer,
       .syntax = R"(non-negative integer or "infinity")",
       .default_doc = "1000",
       .rule = "a full queue pushes out its oldest request (dropped); 0: drop when busy",
       .doc = "most requests waiting in one worker's queue (the one in progress not counted)",
       .min = 0,
       .allow_infinity = true,
       .default_value = constant(1000)});
  s.refused_keys.emplace_back("tls", "rabbit pools take no TLS options");
  return s;
}

section_schema ldap() {
  section_schema s;
  json::array default_servers{"localhost"};
  s.options.push_back({.name = "servers",
                       .kind = value_kind::string_list,
                       .syntax = "array of strings",
                       .default_doc = R"(["localhost"])",
                       .rule = "tried in order; failover to the next",
                       .doc = "LDAP servers",
                       .default_value = constant(std::move(default_servers))});
  option_schema port = port_option("port", 389);
  port.default_doc = R"(389, or 636 when encrypt = "tls")";
  port.default_value = [](const rule_context& ctx) -> std::optional<json::value> {
    return json::value(string_option(ctx.section, "encrypt") == "tls" ? 636 : 389);
  };
  s.options.push_back(std::move(port));
  s.options.push_back(text_option("rootdn", "", "bind DN; \"\" binds anonymously"));
  s.options.push_back(text_option("password", "", "bind password (a secret)", true));
  s.options.push_back({.name = "connect_interval",
                       .kind = value_kind::integer,
                       .syntax = "positive integer, ms",
                       .default_doc = "10000",
                       .doc = "wait before reconnecting after a failed connection",
                       .min = 1,
                       .max = max_milliseconds,
                       .default_value = constant(10000)});
  s.options.push_back({.name = "encrypt",
                       .kind = value_kind::enumeration,
                       .syntax = R"("none", "tls")",
                       .default_doc = R"("none")",
                       .rule = R"(tls.* is accepted only with "tls")",
                       .doc = "whether to connect over TLS",
                       .choices = {"none", "tls"},
                       .default_value = constant("none")});
  s.options.push_back(
      tls_table(when_none_of("encrypt", {"tls"}, "none"), R"(only with encrypt = "tls")"));
  return s;
}

}  // namespace

const section_schema* connection_schema(pool_type type) {
  static const std::map<pool_type, section_schema> schemas{
      {pool_type::rdbms, rdbms()},         {pool_type::http, http()},
      {pool_type::redis, redis()},         {pool_type::riak, riak()},
      {pool_type::cassandra, cassandra()}, {pool_type::elastic, elastic()},
      {pool_type::rabbit, rabbit()},       {pool_type::ldap, ldap()},
  };
  auto it = schemas.find(type);
  return it == schemas.end() ? nullptr : &it->second;
}

}  // namespace outpools::config
