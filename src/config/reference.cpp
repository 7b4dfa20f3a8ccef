// The configuration reference in markdown, generated from the schema tables.
#include "config/schema.hpp"
#include "outpools/config.hpp"

namespace outpools {
namespace {

using config::option_schema;
using config::section_schema;

std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out.empty() ? "" : out;
}

std::string type_note(pool_type type) {
  switch (type) {
    case pool_type::cassandra:
      return "Pool of connections to a Cassandra cluster.";
    case pool_type::riak:
      return "Pool of connections to a Riak cluster. One pool per host: the tag must be "
             "`default`. Strategy `available_worker` is refused.";
    case pool_type::redis:
      return "Pool of connections to a Redis server. A session backend needs the tag "
             "`default`. Strategy `available_worker` is refused.";
    case pool_type::http:
      return "Pool of connections to an HTTP(S) server.";
    case pool_type::elastic:
      return "Pool of connections to an Elasticsearch server. Only the tag `default`. The pool "
             "always uses `available_worker` and has no call timeout (a call waits for a free "
             "worker), but each HTTP request is bounded by 2000 ms. A health check is "
             "`GET /_cluster/health`.";
    case pool_type::rdbms:
      return "Pool of connections to an RDBMS: PostgreSQL, MySQL/MariaDB or ODBC.";
    case pool_type::rabbit:
      return "Pool of connections to a RabbitMQ server. The tag `event_pusher` is the one an "
             "event pusher uses; any tag is valid.";
    case pool_type::ldap:
      return "Pool of connections to an LDAP server.";
    case pool_type::generic:
      return "Pool of generic workers that run the caller's own jobs. It has no `connection` "
             "section.";
  }
  return "";
}

void table(std::string& out, const section_schema& schema, const std::string& prefix) {
  out += "| option | syntax | default | rule | description |\n";
  out += "|---|---|---|---|---|\n";
  for (const option_schema& o : schema.options) {
    if (o.name == "connection") continue;
    if (o.name == "tls") {
      out += "| `" + prefix + "tls.*` | see [TLS options](#tls-options) | | " + cell(o.rule) +
             " | " + cell(o.doc) + " |\n";
      continue;
    }
    out += "| `" + prefix + o.name + "` | " + cell(o.syntax) + " | " +
           cell(o.default_doc.empty() ? "none" : o.default_doc) + " | " + cell(o.rule) + " | " +
           cell(o.doc) + " |\n";
    // Sub-tables of plain options (auth.plain, credentials, servers) list their fields.
    if (o.children && o.kind == config::value_kind::table && o.name != "tls") {
      for (const option_schema& child : o.children->options) {
        if (child.children) {
          for (const option_schema& grandchild : child.children->options)
            out += "| `" + prefix + o.name + "." + child.name + "." + grandchild.name + "` | " +
                   cell(grandchild.syntax) + " | none | " + cell(grandchild.rule) + " | " +
                   cell(grandchild.doc) + " |\n";
        } else {
          out += "| `" + prefix + o.name + "." + child.name + "` | " + cell(child.syntax) +
                 " | none | " + cell(child.rule.empty() ? "required" : child.rule) + " | " +
                 cell(child.doc) + " |\n";
        }
      }
    }
  }
  for (const auto& [key, reason] : schema.refused_keys)
    out += "| `" + prefix + key + "` | refused | | " + cell(reason) + " | |\n";
}

}  // namespace

std::string reference_markdown() {
  std::string out;
  for (pool_type type : config::all_pool_types()) {
    const std::string name(to_string(type));
    out += "### " + name + "\n\n";
    out += type_note(type) + "\n\n";
    out += "Pool options, `[outgoing_pools." + name + ".TAG]`:\n\n";
    table(out, config::pool_schema(type), "");
    if (const section_schema* connection = config::connection_schema(type)) {
      out += "\nConnection options, `[outgoing_pools." + name + ".TAG.connection]`:\n\n";
      table(out, *connection, "");
    }
    out += "\n";
  }
  out += "### TLS options\n\n";
  out += "`[outgoing_pools.TYPE.TAG.connection.tls]`, for the types that take TLS.\n\n";
  table(out, config::tls_schema(), "tls.");
  return out;
}

}  // namespace outpools
