// tls_ciphers.hpp — the two forms of `tls.ciphers`, checked against what OpenSSL knows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpools::config {

/// Cipher names sorted into OpenSSL's two lists.
struct cipher_lists {
  std::vector<std::string> tls12;  ///< for SSL_CTX_set_cipher_list (names, aliases, operators)
  std::vector<std::string> tls13;  ///< for SSL_CTX_set_ciphersuites (TLS_... names)

  /// All names, TLS 1.2 list first, joined by ':'.
  std::string joined() const;
};

/// Checks an OpenSSL cipher string name by name (OpenSSL itself silently skips unknown names in
/// a list) and sorts the names into `out`. Returns "" on success, else what is wrong (e.g.
/// `unknown cipher "FOO"`). Thread-safe.
std::string add_cipher_string(std::string_view text, cipher_lists& out);

/// One entry of the table form: {cipher, key_exchange, mac, prf}, values already known to be
/// among the accepted words.
struct cipher_entry {
  std::string cipher, key_exchange, mac;
  std::optional<std::string> prf;
};

/// The accepted words of each key of the table form.
const std::vector<std::string>& cipher_words();
const std::vector<std::string>& key_exchange_words();
const std::vector<std::string>& mac_words();
const std::vector<std::string>& prf_words();

/// The OpenSSL suite name of `entry` (e.g. ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256),
/// or nullopt with `why` set when the combination is not a real suite. Thread-safe.
std::optional<std::string> suite_name(const cipher_entry& entry, std::string& why);

}  // namespace outpools::config
