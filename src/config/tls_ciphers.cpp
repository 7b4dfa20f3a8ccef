#include "config/tls_ciphers.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <memory>
#include <set>

namespace outpools::config {
namespace {

using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

ctx_ptr new_context() { return ctx_ptr(SSL_CTX_new(TLS_method()), &SSL_CTX_free); }

// Every suite name OpenSSL has, TLS 1.3 ones included; computed once.
const std::set<std::string, std::less<>>& known_suites() {
  static const std::set<std::string, std::less<>> names = [] {
    std::set<std::string, std::less<>> out;
    ctx_ptr ctx = new_context();
    if (!ctx || SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL") != 1) return out;
    STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx.get());
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i)
      out.emplace(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
    return out;
  }();
  return names;
}

bool is_special_command(std::string_view name) {
  if (name == "@STRENGTH") return true;
  if (name.starts_with("@SECLEVEL=") && name.size() == 11)
    return name[10] >= '0' && name[10] <= '5';
  return false;
}

// Cipher classes OpenSSL defines that may select no cipher in a given build (RC4 and 3DES need
// enable-weak-ssl-ciphers, GOST an engine, ...). SSL_CTX_set_cipher_list refuses such a class
// alone, yet it is a name OpenSSL knows, and "!RC4" in a list is common and harmless.
bool is_optional_class(std::string_view name) {
  static constexpr std::string_view classes[] = {
      SSL_TXT_LOW,    SSL_TXT_MEDIUM,    SSL_TXT_DES,         SSL_TXT_3DES,     SSL_TXT_RC4,
      SSL_TXT_RC2,    SSL_TXT_IDEA,      SSL_TXT_SEED,        SSL_TXT_GOST,     SSL_TXT_GOST94,
      SSL_TXT_GOST12, SSL_TXT_GOST89MAC, SSL_TXT_GOST89MAC12, SSL_TXT_kGOST,    SSL_TXT_kGOST18,
      SSL_TXT_aGOST,  SSL_TXT_aGOST01,   SSL_TXT_aGOST12,     SSL_TXT_eNULL,    SSL_TXT_NULL,
      SSL_TXT_SRP,    SSL_TXT_kSRP,      SSL_TXT_aSRP,        SSL_TXT_CAMELLIA, SSL_TXT_ARIA};
  return std::find(std::begin(classes), std::end(classes), name) != std::end(classes);
}

bool openssl_accepts(std::string_view name, bool tls13) {
  ctx_ptr ctx = new_context();
  if (!ctx) return false;
  std::string text(name);
  return tls13 ? SSL_CTX_set_ciphersuites(ctx.get(), text.c_str()) == 1
               : SSL_CTX_set_cipher_list(ctx.get(), text.c_str()) == 1;
}

// A TLS 1.2 name, alias or "+"-joined combination of aliases that OpenSSL knows, even when it
// selects no cipher in this build.
bool openssl_knows(std::string_view name) {
  if (openssl_accepts(name, false)) return true;
  for (std::size_t start = 0;;) {
    std::size_t plus = name.find('+', start);
    std::string_view part =
        name.substr(start, plus == std::string_view::npos ? plus : plus - start);
    if (part.empty() || (!is_optional_class(part) && !openssl_accepts(part, false))) return false;
    if (plus == std::string_view::npos) return true;
    start = plus + 1;
  }
}

}  // namespace

std::string cipher_lists::joined() const {
  std::string out;
  for (const auto* list : {&tls12, &tls13}) {
    for (const std::string& name : *list) {
      if (!out.empty()) out += ':';
      out += name;
    }
  }
  return out;
}

std::string add_cipher_string(std::string_view text, cipher_lists& out) {
  std::size_t names = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(":, ", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    start = end + 1;
    if (token.empty()) continue;
    ++names;
    std::string_view bare = token;
    if (bare[0] == '!' || bare[0] == '-' || bare[0] == '+') bare.remove_prefix(1);
    if (bare.empty()) return "an operator with no cipher name";
    if (bare[0] == '@') {
      if (!is_special_command(bare))
        return "unknown command \"" + std::string(bare) + "\" (expected @STRENGTH or @SECLEVEL=n)";
      out.tls12.emplace_back(token);
    } else if (bare.starts_with("TLS_")) {
      if (bare.size() != token.size())
        return "an operator before the TLS 1.3 suite \"" + std::string(bare) +
               "\" (TLS 1.3 suites are listed, not combined)";
      if (!openssl_accepts(bare, true))
        return "unknown TLS 1.3 cipher suite \"" + std::string(bare) + "\"";
      out.tls13.emplace_back(token);
    } else {
      if (!openssl_knows(bare)) return "unknown cipher \"" + std::string(bare) + "\"";
      out.tls12.emplace_back(token);
    }
  }
  if (names == 0) return "an empty cipher list";
  return "";
}

const std::vector<std::string>& cipher_words() {
  static const std::vector<std::string> words{"aes_128_gcm", "aes_256_gcm", "chacha20_poly1305",
                                              "aes_128_cbc", "aes_256_cbc"};
  return words;
}
const std::vector<std::string>& key_exchange_words() {
  static const std::vector<std::string> words{"ecdhe_rsa", "ecdhe_ecdsa", "dhe_rsa", "rsa", "any"};
  return words;
}
const std::vector<std::string>& mac_words() {
  static const std::vector<std::string> words{"aead", "sha", "sha256", "sha384"};
  return words;
}
const std::vector<std::string>& prf_words() {
  static const std::vector<std::string> words{"sha256", "sha384", "default_prf"};
  return words;
}

std::optional<std::string> suite_name(const cipher_entry& e, std::string& why) {
  const bool gcm = e.cipher == "aes_128_gcm" || e.cipher == "aes_256_gcm";
  const bool aead = gcm || e.cipher == "chacha20_poly1305";
  if (aead && e.mac != "aead") {
    why = "cipher " + e.cipher + " takes mac = \"aead\", not \"" + e.mac + "\"";
    return std::nullopt;
  }
  if (!aead && e.mac == "aead") {
    why = "cipher " + e.cipher + " is not an AEAD cipher: name its mac (sha, sha256, sha384)";
    return std::nullopt;
  }
  // For GCM the prf names the hash; without one, each cipher's standard hash.
  std::string hash;
  if (gcm || e.cipher == "chacha20_poly1305") {
    std::string prf = e.prf.value_or("default_prf");
    if (prf == "default_prf") prf = e.cipher == "aes_256_gcm" ? "sha384" : "sha256";
    hash = prf == "sha384" ? "SHA384" : "SHA256";
  }

  std::string name;
  if (e.key_exchange == "any") {
    if (!aead) {
      why = "key_exchange = \"any\" names a TLS 1.3 suite, which needs an AEAD cipher";
      return std::nullopt;
    }
    name = e.cipher == "chacha20_poly1305" ? "TLS_CHACHA20_POLY1305_" + hash
           : e.cipher == "aes_128_gcm"     ? "TLS_AES_128_GCM_" + hash
                                           : "TLS_AES_256_GCM_" + hash;
  } else {
    if (e.key_exchange == "ecdhe_rsa") name = "ECDHE-RSA-";
    if (e.key_exchange == "ecdhe_ecdsa") name = "ECDHE-ECDSA-";
    if (e.key_exchange == "dhe_rsa") name = "DHE-RSA-";
    if (e.cipher == "aes_128_gcm") name += "AES128-GCM-" + hash;
    if (e.cipher == "aes_256_gcm") name += "AES256-GCM-" + hash;
    if (e.cipher == "chacha20_poly1305") name += "CHACHA20-POLY1305";
    if (e.cipher == "aes_128_cbc") name += "AES128";
    if (e.cipher == "aes_256_cbc") name += "AES256";
    if (e.mac == "sha") name += "-SHA";
    if (e.mac == "sha256") name += "-SHA256";
    if (e.mac == "sha384") name += "-SHA384";
  }
  if (known_suites().count(name) == 0) {
    why = "{cipher = \"" + e.cipher + "\", key_exchange = \"" + e.key_exchange + "\", mac = \"" +
          e.mac + "\"" + (e.prf ? ", prf = \"" + *e.prf + "\"" : std::string()) +
          "} is not a real cipher suite (it would be " + name + ")";
    return std::nullopt;
  }
  return name;
}

}  // namespace outpools::config
