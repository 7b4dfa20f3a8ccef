// The `connection.tls` options (SPEC.md, "TLS options").
#include <fstream>
#include <string>

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
  if (!in) return false;
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
         head.find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
}

// tls.password: required when the key (keyfile, else certfile, which may hold it) is encrypted —
// without it OpenSSL asks for the password on the process's terminal, from an I/O thread.
std::string key_is_encrypted(const rule_context& ctx) {
  for (const char* key : {"keyfile", "certfile"}) {
    const std::optional<std::string> path = string_option(ctx.section, key);
    if (path && holds_encrypted_key(*path))
      return "with " + std::string(key) + " \"" + *path +
             "\", an encrypted private key (OpenSSL would ask for its password on the terminal)";
  }
  return "";
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
  s.options.push_back(
      path_option("certfile", "client certificate (PEM); may hold the chain and the key"));
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
  s.options.push_back(path_option("keyfile", "private key (PEM)"));
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
                            "every suite must be one OpenSSL knows; no effect for pgsql (a "
                            "warning)",
                        .doc = "cipher suites to offer"};
  ciphers.warn_if = [](const rule_context& ctx) -> std::string {
    if (ctx.type != pool_type::rdbms || ctx.parent == nullptr) return "";
    const std::optional<std::string> driver = string_option(*ctx.parent, "driver");
    return driver && *driver == "pgsql"
               ? "it has no effect with driver = \"pgsql\": libpq offers no choice of the "
                 "client's cipher suites (the server's ssl_ciphers decides)"
               : "";
  };
  s.options.push_back(std::move(ciphers));
  s.options.push_back({.name = "versions",
                       .kind = value_kind::string_list,
                       .syntax = R"(array of "tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3")",
                       .default_doc = "all supported",
                       .doc = "protocol versions to allow",
                       .choices = {"tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"}});
  s.options.push_back(flag_option("server_name_indication", true, "",
                                  "send SNI (the host name of the connection)"));
  return s;
}

}  // namespace

const section_schema& tls_schema() {
  static const section_schema schema = make_tls_schema();
  return schema;
}

}  // namespace outpools::config
