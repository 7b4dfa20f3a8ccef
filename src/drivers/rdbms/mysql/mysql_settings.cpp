#include "drivers/rdbms/mysql/mysql_settings.hpp"

#include "drivers/rdbms/mysql/mysql_dialog.hpp"

#include <algorithm>
#include <mutex>

#include <errmsg.h>
#include <fcntl.h>
#include <sys/socket.h>

namespace outpools::rdbms {
namespace {

// connect_timeout as Connector/C's timeouts take it: whole seconds, rounded up, at least 1.
unsigned int library_timeout_seconds(const mysql_settings& s) {
  return static_cast<unsigned int>(
      std::max<long long>(1, (s.connect_timeout.count() + 999) / 1000));
}

const char* version_name(tls_version v) {
  switch (v) {
    case tls_version::tlsv1:
      return "TLSv1.0";
    case tls_version::tlsv1_1:
      return "TLSv1.1";
    case tls_version::tlsv1_2:
      return "TLSv1.2";
    case tls_version::tlsv1_3:
      return "TLSv1.3";
  }
  return "TLSv1.2";
}

void apply_tls(MYSQL* m, const tls_options& t) {
  // Any TLS option turns TLS on; SSL_ENFORCE refuses a server without TLS. As documented for
  // tls.cacertfile, the server is verified (chain and host name) only with verify_peer.
  my_bool on = 1;
  mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
  if (t.verify_peer) {
    const std::string ca =
        t.cacertfile ? t.cacertfile->string() : std::string(tls_options::system_trust_store);
    mysql_optionsv(m, MYSQL_OPT_SSL_CA, ca.c_str());
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  if (t.certfile) mysql_optionsv(m, MYSQL_OPT_SSL_CERT, t.certfile->c_str());
  if (t.keyfile) mysql_optionsv(m, MYSQL_OPT_SSL_KEY, t.keyfile->c_str());
  if (t.password) mysql_optionsv(m, MARIADB_OPT_TLS_PASSPHRASE, t.password->reveal().c_str());
  // Connector/C has one option for both of OpenSSL's lists: it tries it as TLS 1.3 suites and
  // only when that fails as the TLS 1.2 list. So it gets the TLS 1.3 suites when TLS 1.3 may be
  // used and there are some (the config warns when a TLS 1.2 list is then left out), else the
  // TLS 1.2 list.
  const bool tls13 = t.versions.empty() || std::find(t.versions.begin(), t.versions.end(),
                                                     tls_version::tlsv1_3) != t.versions.end();
  const std::string& suites = tls13 && !t.ciphersuites.empty() ? t.ciphersuites : t.cipher_list;
  if (!suites.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CIPHER, suites.c_str());
  if (!t.versions.empty()) {
    std::string versions;
    for (tls_version v : t.versions) {
      if (!versions.empty()) versions += ',';
      versions += version_name(v);
    }
    mysql_optionsv(m, MYSQL_OPT_TLS_VERSION, versions.c_str());
  }
}

}  // namespace

mysql_settings mysql_settings::from(const pool_spec& spec) {
  const auto& o = std::get<rdbms_options>(spec.connection);
  mysql_settings s;
  s.host = o.host;
  s.user = o.username;
  s.database = o.database;
  if (o.password) s.password = o.password->reveal();
  s.port = o.port != 0 ? o.port : 3306;
  s.tls = spec.tls;
  if (spec.connect_timeout) s.connect_timeout = *spec.connect_timeout;
  return s;
}

void mysql_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

MYSQL* mysql_new_handle(const mysql_settings& s, bool nonblocking) {
  mysql_library_once();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return nullptr;
  if (nonblocking) mysql_optionsv(m, MYSQL_OPT_NONBLOCK, 0);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Always TCP to host:port, "localhost" included (libmariadb would take it for its Unix socket).
  const unsigned int tcp = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &tcp);
  my_bool off = 0;
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);  // a lost connection is the worker's to replace
  // No LOAD DATA LOCAL: with it a server may ask for any file of this process's machine.
  const unsigned int no_local_files = 0;
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &no_local_files);
  if (!nonblocking) {
    // The side connection's every step is bounded; the main one is bounded by the core.
    const unsigned int seconds = library_timeout_seconds(s);
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &seconds);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  }
  // A server may ask the client to switch to a plugin that sends the password as it is
  // (mysql_clear_password, dialog): only over TLS to a verified server. Without verification
  // the server, or whoever stands in for it, could read it.
  if (!s.tls || !s.tls->verify_peer)
    mysql_optionsv(m, MARIADB_OPT_RESTRICTED_AUTH, password_safe_auth_plugins);
  if (s.tls) apply_tls(m, *s.tls);
  return m;
}

void mysql_keep_nonblocking(MYSQL* m) noexcept {
  const int fd = static_cast<int>(mysql_get_socket(m));
  if (fd < 0) return;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) (void)::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void mysql_end_connect(MYSQL* m, int status) noexcept {
  const my_socket fd = mysql_get_socket(m);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  MYSQL* ret = nullptr;
  for (int step = 0; status != 0 && step < 64; ++step) {
    int ready = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
    if (ready == 0) ready = MYSQL_WAIT_TIMEOUT;
    status = mysql_real_connect_cont(&ret, m, ready);
  }
}

std::chrono::milliseconds kill_query_bound(const mysql_settings& s) noexcept {
  return std::chrono::seconds(
      2 * library_timeout_seconds(s));  // its connect, then the answer to the KILL
}

kill_outcome mysql_kill_query(const mysql_settings& s, const std::string& host,
                              unsigned long thread_id) noexcept {
  try {
    MYSQL* m = mysql_new_handle(s, false);
    if (m == nullptr) return kill_outcome::not_sent;
    kill_outcome outcome = kill_outcome::not_sent;
    if (mysql_real_connect(m, host.c_str(), s.user.c_str(),
                           s.password ? s.password->c_str() : nullptr, nullptr, s.port, nullptr,
                           0) != nullptr) {
      const std::string kill = "KILL QUERY " + std::to_string(thread_id);
      const bool failed = mysql_real_query(m, kill.c_str(), kill.size()) != 0;
      // Connector/C's own errors (lost, gone, timed out: 2000-2999 and 5000-5999) mean no
      // answer came; the server's (the rest) are answers.
      const unsigned int code = failed ? mysql_errno(m) : 0;
      const bool client_error = (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) ||
                                (code >= CER_MIN_ERROR && code <= CER_MAX_ERROR);
      outcome = client_error ? kill_outcome::unanswered : kill_outcome::answered;
    }
    take_refused_dialog_question(m);  // (a dialog server may ask this log-in a question too)
    mysql_close(m);
    return outcome;
  } catch (...) {
    return kill_outcome::not_sent;
  }
}

}  // namespace outpools::rdbms
