// outpools/tls_options.hpp — the validated `connection.tls` options of a pool.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "outpools/secret.hpp"

namespace outpools {

/// A TLS protocol version named in `tls.versions`.
enum class tls_version { tlsv1, tlsv1_1, tlsv1_2, tlsv1_3 };

/// TLS settings of one pool, with defaults applied and every file checked to exist when the
/// configuration was loaded. Paths are absolute (relative ones are resolved against the folder
/// of the configuration file). Immutable once loaded; safe to read from any thread.
struct tls_options {
  bool required = false;     ///< pgsql only: refuse a connection without TLS
  bool verify_peer = false;  ///< verify the server's certificate chain and name
  std::optional<std::filesystem::path> certfile;    ///< client certificate (PEM)
  std::optional<std::filesystem::path> cacertfile;  ///< CA chain (PEM); unset: system store
  std::optional<std::filesystem::path> dhfile;      ///< accepted for compatibility
  std::optional<std::filesystem::path> keyfile;     ///< private key (PEM)
  std::optional<secret> password;                   ///< password of the key file
  /// OpenSSL cipher list for TLS ≤ 1.2 ("" = OpenSSL's default). Each name was checked.
  std::string cipher_list;
  /// OpenSSL TLS 1.3 cipher suites ("" = OpenSSL's default).
  std::string ciphersuites;
  /// Allowed versions; empty = every version OpenSSL supports.
  std::vector<tls_version> versions;
  bool server_name_indication = true;  ///< send SNI with the connection's host name

  /// The system trust store used when verify_peer is set without a cacertfile.
  static constexpr const char* system_trust_store = "/etc/ssl/certs/ca-certificates.crt";
};

}  // namespace outpools
