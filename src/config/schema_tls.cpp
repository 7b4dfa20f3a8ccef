// The `connection.tls` options (SPEC.md, "TLS options").
#include <algorithm>
#include <array>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "config/schema.hpp"
#include "config/schema_rules.hpp"

namespace outpools::config {
namespace {

option_schema path_option(std::string name, std::string doc) {
  return {.name = std::move(name),
          .kind = value_kind::path,
          .syntax = "path",
          .default_doc = "unset",
          .rule = "must exist and be readable; relative to the configuration file's folder",
          .doc = std::move(doc)};
}

option_schema flag_option(std::string name, bool default_value, std::string rule, std::string doc) {
  return {.name = std::move(name),
          .kind = value_kind::boolean,
          .syntax = "boolean",
          .default_doc = default_value ? "true" : "false",
          .rule = std::move(rule),
          .doc = std::move(doc),
          .default_value = constant(default_value)};
}

// True when the PEM file at `path` holds an encrypted private key (PKCS#8 or the legacy
// "Proc-Type: 4,ENCRYPTED" form). A file that cannot be read is not (its own check says why).
bool holds_encrypted_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
        line.starts_with("Proc-Type: 4,ENCRYPTED"))
      return true;
  }
  return false;
}

// tls.password: required when the key — keyfile, or without one certfile, which may hold it —
// is encrypted: without it OpenSSL asks for the password on the process's terminal, from an I/O
// thread.
std::string key_is_encrypted(const rule_context& ctx) {
  const char* key = ctx.section.contains("keyfile") ? "keyfile" : "certfile";
  const std::optional<std::string> path = string_option(ctx.section, key);
  if (!path || !holds_encrypted_key(*path)) return "";
  return "with " + std::string(key) + " \"" + *path +
         "\", an encrypted private key (OpenSSL would ask for its password on the terminal)";
}

// Whether tls.versions (all when absent) allows TLS 1.3, and a version below it.
std::pair<bool, bool> allows_tls13_and_older(const rule_context& ctx) {
  const json::value* versions = ctx.section.if_contains("versions");
  if (versions == nullptr || !versions->is_array()) return {true, true};
  bool tls13 = false, older = false;
  for (const json::value& v : versions->get_array())
    (v.is_string() && v.get_string() == "tlsv1.3" ? tls13 : older) = true;
  return {tls13, older};
}

// tls.versions: every TLS here is OpenSSL's, which offers only the versions below the first one
// a set leaves out ("tlsv1" and "tlsv1.3" would be TLS 1.0 alone): a set with a gap is refused.
std::string versions_with_a_gap(const rule_context& ctx) {
  const json::value* versions = ctx.section.if_contains("versions");
  if (versions == nullptr || !versions->is_array()) return "";
  static constexpr std::array<std::string_view, 4> order{"tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"};
  std::array<bool, order.size()> listed{};
  for (const json::value& v : versions->get_array()) {
    if (!v.is_string()) return "";  // the value's own check says what is wrong
    const auto at = std::find(order.begin(), order.end(), std::string_view(v.get_string()));
    if (at == order.end()) return "";
    listed[static_cast<std::size_t>(at - order.begin())] = true;
  }
  const auto first = std::find(listed.begin(), listed.end(), true);
  const auto last = std::find(listed.rbegin(), listed.rend(), true).base();
  std::string missing;
  for (auto it = first; it != last; ++it)
    if (!*it)
      missing += (missing.empty() ? "\"" : ", \"") + std::string(order[it - listed.begin()]) + "\"";
  if (missing.empty()) return "";
  return "with a gap: " + missing + " left out between \"" +
         std::string(order[first - listed.begin()]) + "\" and \"" +
         std::string(order[last - 1 - listed.begin()]) +
         "\" (OpenSSL offers only the versions below a gap); list versions without one";
}

// tls.ciphers: what the rdbms client libraries make of it.
std::string ciphers_caveat(const rule_context& ctx) {
  if (ctx.type != pool_type::rdbms || ctx.parent == nullptr) return "";
  const std::optional<std::string> driver = string_option(*ctx.parent, "driver");
  if (driver && *driver == "pgsql")
    return "it has no effect with driver = \"pgsql\": libpq offers no choice of the client's "
           "cipher suites (the server's ssl_ciphers decides)";
  const std::optional<std::string> list = string_option(ctx.section, "ciphers");
  if (!driver || *driver != "mysql" || !list) return "";
  // Stored as one ':'-joined list; TLS 1.3 suites are the TLS_ names.
  const bool has_tls13 = list->starts_with("TLS_") || list->find(":TLS_") != std::string::npos;
  bool has_older = false;
  for (std::size_t at = 0; at <= list->size();) {
    const std::size_t end = std::min(list->find(':', at), list->size());
    if (end > at && list->compare(at, 4, "TLS_") != 0) has_older = true;
    at = end + 1;
  }
  const auto [tls13, older] = allows_tls13_and_older(ctx);
  if (has_tls13 && has_older && tls13 && older)
    return "with driver = \"mysql\" only its TLS 1.3 suites apply: MariaDB Connector/C takes one "
           "of the two lists, so a TLS 1.2 session would use the library's default suites (set "
           "tls.versions to choose)";
  return "";
}

// tls.certfile with pgsql's sslmode prefer: libpq's prefer retries without TLS whatever failed.
std::string pgsql_falls_back_without_the_certificate(const rule_context& ctx) {
  if (ctx.type != pool_type::rdbms || ctx.parent == nullptr) return "";
  const std::optional<std::string> driver = string_option(*ctx.parent, "driver");
  const auto on = [&](const char* flag) {
    const json::value* v = ctx.section.if_contains(flag);
    return v != nullptr && v->is_bool() && v->get_bool();
  };
  if (!driver || *driver != "pgsql" || on("required") || on("verify_peer")) return "";
  return "with driver = \"pgsql\" and neither required nor verify_peer, sslmode is \"prefer\": "
         "when TLS fails (a wrong key password, a certificate the server refuses) libpq connects "
         "without TLS and without this certificate; set required = true to refuse that";
}

// tls.server_name_indication: MariaDB Connector/C 3.3 sends no SNI.
std::string sni_caveat(const rule_context& ctx) {
  if (ctx.type != pool_type::rdbms || ctx.parent == nullptr) return "";
  const std::optional<std::string> driver = string_option(*ctx.parent, "driver");
  if (!driver || *driver != "mysql") return "";
  return "it has no effect with driver = \"mysql\": MariaDB Connector/C sends no SNI";
}

// tls.required: pgsql only.
std::string not_pgsql(const rule_context& ctx) {
  if (ctx.type != pool_type::rdbms)
    return "in " + std::string(to_string(ctx.type)) + " pools (tls.required is for pgsql only)";
  std::optional<std::string> driver =
      ctx.parent ? string_option(*ctx.parent, "driver") : std::nullopt;
  if (!driver || *driver == "pgsql") return "";
  return "with driver = \"" + *driver + "\" (tls.required is for pgsql only)";
}

section_schema make_tls_schema() {
  section_schema s;
  option_schema required = flag_option("required", false, "pgsql only",
                                       "refuse a connection without TLS (sslmode=require)");
  required.refused_if = not_pgsql;
  s.options.push_back(std::move(required));
  s.options.push_back(flag_option("verify_peer", false,
                                  "without cacertfile: the system trust store",
                                  "verify the server's certificate chain and name"));
  option_schema certfile =
      path_option("certfile", "client certificate (PEM); may hold the chain and the key");
  certfile.rule +=
      "; pgsql without required or verify_peer: a failed TLS falls back to plain text "
      "(a warning)";
  certfile.warn_if = pgsql_falls_back_without_the_certificate;
  s.options.push_back(std::move(certfile));
  option_schema cacertfile = path_option(
      "cacertfile", "CA chain (PEM) to verify the server; no effect unless verify_peer");
  cacertfile.warn_if = [](const rule_context& ctx) -> std::string {
    const json::value* verify = ctx.section.if_contains("verify_peer");
    bool on = verify != nullptr && verify->is_bool() && verify->get_bool();
    return on ? "" : "it has no effect unless verify_peer = true";
  };
  s.options.push_back(std::move(cacertfile));
  s.options.push_back(path_option("dhfile",
                                  "Diffie-Hellman parameters; accepted for "
                                  "compatibility"));
  option_schema keyfile = path_option("keyfile", "private key (PEM)");
  keyfile.rule += "; no effect without certfile (a warning)";
  // A key is sent only with its certificate: without certfile the client libraries leave it
  // out (libpq looks for ~/.postgresql/postgresql.crt instead, and with sslmode prefer connects
  // without TLS when the server asks for a certificate).
  keyfile.warn_if = [](const rule_context& ctx) -> std::string {
    return ctx.section.contains("certfile")
               ? ""
               : "it has no effect without certfile: a private key is sent only with its "
                 "certificate";
  };
  s.options.push_back(std::move(keyfile));
  s.options.push_back({.name = "password",
                       .kind = value_kind::string,
                       .syntax = "string",
                       .default_doc = "unset",
                       .rule = "required when the key file is encrypted",
                       .doc = "password of the key file (a secret)",
                       .allow_empty = true,
                       .secret = true,
                       .required_if = key_is_encrypted});
  option_schema ciphers{.name = "ciphers",
                        .kind = value_kind::ciphers,
                        .syntax =
                            "OpenSSL cipher string, or array of {cipher, key_exchange, mac, "
                            "prf}",
                        .default_doc = "all",
                        .rule =
                            "every suite must be one OpenSSL knows; pgsql: no effect, mysql: "
                            "TLS 1.3 suites or the others, not both (warnings)",
                        .doc = "cipher suites to offer"};
  ciphers.warn_if = ciphers_caveat;
  s.options.push_back(std::move(ciphers));
  option_schema versions{.name = "versions",
                         .kind = value_kind::string_list,
                         .syntax = R"(array of "tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3")",
                         .default_doc = "all supported",
                         .rule = "without a gap (OpenSSL offers only the versions below one)",
                         .doc = "protocol versions to allow",
                         .choices = {"tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"}};
  versions.refused_if = versions_with_a_gap;
  s.options.push_back(std::move(versions));
  option_schema sni = flag_option("server_name_indication", true, "mysql: no effect (a warning)",
                                  "send SNI (the host name of the connection)");
  sni.warn_if = sni_caveat;
  s.options.push_back(std::move(sni));
  return s;
}

}  // namespace

const section_schema& tls_schema() {
  static const section_schema schema = make_tls_schema();
  return schema;
}

}  // namespace outpools::config
