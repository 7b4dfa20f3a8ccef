#include "drivers/rdbms/pgsql/pgsql_connection.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <tuple>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include "drivers/rdbms/cpu_steps.hpp"
#include "drivers/rdbms/host_lookup.hpp"
#include "drivers/rdbms/message_lines.hpp"
#include "drivers/rdbms/parameter_count.hpp"
#include "drivers/rdbms/pgsql/pgsql_markers.hpp"
#include "drivers/rdbms/pgsql/pgsql_values.hpp"
#include "drivers/rdbms/poll_until.hpp"
#include "drivers/rdbms/result_slices.hpp"
#include "drivers/rdbms/side_cancels.hpp"
#include "drivers/rdbms/tcp_connect_bound.hpp"

namespace outpools::rdbms {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using steady = std::chrono::steady_clock;

// Whether OpenSSL holds bytes of a TLS record that libpq has read only in part (libpq 15 reads
// at most the room left in its buffer, and a record may carry up to 16 KiB): the socket, already
// read, would not wake a wait for them, so they are read first. PostgreSQL 15 writes records
// of at most 8 KiB, which libpq always has room for; PostgreSQL 17 and proxies write larger ones.
bool tls_bytes_buffered(PGconn* conn) {
  if (conn == nullptr || PQsslInUse(conn) == 0) return false;
  auto* ssl = static_cast<SSL*>(PQsslStruct(conn, "OpenSSL"));
  return ssl != nullptr && SSL_pending(ssl) > 0;
}

const char* version_name(tls_version v) {
  switch (v) {
    case tls_version::tlsv1:
      return "TLSv1";
    case tls_version::tlsv1_1:
      return "TLSv1.1";
    case tls_version::tlsv1_2:
      return "TLSv1.2";
    case tls_version::tlsv1_3:
      return "TLSv1.3";
  }
  return "TLSv1.2";
}

// Answers OpenSSL's question for an encrypted key's password with the connection's
// sslpassword (tls.password), or with none. libpq's own answer, when sslpassword is unset or
// empty, is to let OpenSSL ask on the terminal: from an I/O thread, a hang.
int key_password_of_the_connection(char* buffer, int size, PGconn* conn) {
  if (size <= 0) return 0;
  buffer[0] = '\0';
  if (conn == nullptr) return 0;
  PQconninfoOption* options = PQconninfo(conn);
  int length = 0;
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "sslpassword") != 0 || o->val == nullptr) continue;
    length = static_cast<int>(std::min<std::size_t>(std::strlen(o->val), size - 1));
    std::memcpy(buffer, o->val, static_cast<std::size_t>(length));
    buffer[length] = '\0';
  }
  PQconninfoFree(options);
  return length;
}

// PQcancel threads of the process (pgsql_connection::cancel()).
side_cancels cancel_requests{pgsql_connection::max_cancel_requests_in_flight};

// The hook is the process's (libpq has no per-connection one): installed before the first
// connect, for every libpq connection of the process.
void never_prompt_for_key_passwords() {
  static std::once_flag once;
  std::call_once(once, [] {
    // An application that installed its own keeps it.
    if (PQgetSSLKeyPassHook_OpenSSL() == nullptr)
      PQsetSSLKeyPassHook_OpenSSL(key_password_of_the_connection);
  });
}

// The row count of an INSERT/UPDATE/DELETE/... (PQcmdTuples), 0 when it has none.
std::uint64_t affected_rows_of(PGresult* res) {
  const char* tuples = PQcmdTuples(res);
  std::uint64_t n = 0;
  if (tuples && *tuples) std::from_chars(tuples, tuples + std::strlen(tuples), n);
  return n;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> pgsql_connect_parameters(const pool_spec& spec) {
  const auto& o = std::get<rdbms_options>(spec.connection);
  std::vector<std::pair<std::string, std::string>> p{
      {"host", o.host},
      {"port", std::to_string(o.port)},
      {"dbname", o.database},
      {"user", o.username},
      {"application_name", "outpools"},
      // GSSAPI would run its Kerberos exchange inside PQconnectPoll, on the I/O thread, when
      // the user has a credential cache; nothing here configures it.
      {"gssencmode", "disable"},
      // Sent data unacknowledged this long ends the connection (TCP_USER_TIMEOUT), and libpq
      // gives PQcancel's own socket the same bound: a cancel whose SYNs a dead network drops
      // ended only when the kernel gave up (minutes), holding its thread and so the worker's
      // next cancel, and every later timed-out statement was left running on the server.
      {"tcp_user_timeout",
       std::to_string(spec.connect_timeout.value_or(std::chrono::milliseconds(5000)).count())},
  };
  if (o.password) p.emplace_back("password", o.password->reveal());
  if (!spec.tls) {
    p.emplace_back("sslmode", "disable");
    return p;
  }
  const tls_options& t = *spec.tls;
  p.emplace_back("sslmode", t.verify_peer ? "verify-full" : t.required ? "require" : "prefer");
  if (t.verify_peer)
    p.emplace_back("sslrootcert", t.cacertfile ? t.cacertfile->string()
                                               : std::string(tls_options::system_trust_store));
  if (t.certfile) p.emplace_back("sslcert", t.certfile->string());
  // Without a keyfile the certfile may hold the key (libpq looks for it in sslkey alone).
  if (t.keyfile) {
    p.emplace_back("sslkey", t.keyfile->string());
  } else if (t.certfile) {
    p.emplace_back("sslkey", t.certfile->string());
  }
  if (t.password) p.emplace_back("sslpassword", t.password->reveal());
  p.emplace_back("sslsni", t.server_name_indication ? "1" : "0");
  if (!t.versions.empty()) {
    auto [lo, hi] = std::minmax_element(t.versions.begin(), t.versions.end());
    p.emplace_back("ssl_min_protocol_version", version_name(*lo));
    p.emplace_back("ssl_max_protocol_version", version_name(*hi));
  }
  return p;
}

pgsql_connection::pgsql_connection(const pool_spec& spec, asio::io_context::executor_type executor)
    : parameters_(pgsql_connect_parameters(spec)),
      connect_timeout_(spec.connect_timeout.value_or(std::chrono::milliseconds(5000))),
      cancel_grace_(connect_timeout_),
      executor_(executor),
      cancel_timer_(executor),
      tcp_bound_(executor) {
  const auto& o = std::get<rdbms_options>(spec.connection);
  host_ = o.host;
  port_ = o.port;
  if (o.keepalive_interval) keepalive_ = *o.keepalive_interval;
}

pgsql_connection::~pgsql_connection() { close(); }

void pgsql_connection::drop_notifications() noexcept {
  while (PGnotify* notify = PQnotifies(conn_)) PQfreemem(notify);
}

void pgsql_connection::track_socket() {
  // Registered afresh every time: while connecting, libpq may close its socket and open another
  // that gets the same descriptor number, and a registration kept by number would wait on the
  // closed one forever.
  int fd = conn_ ? PQsocket(conn_) : -1;
  if (socket_ && socket_->is_open()) socket_->release();  // libpq owns the descriptor
  socket_.reset();
  if (fd < 0) return;
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  const int family = ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0
                         ? address.ss_family
                         : AF_INET;
  socket_.emplace(executor_);
  boost::system::error_code ec;
  socket_->assign(asio::generic::stream_protocol(family, 0), fd, ec);
  if (ec) socket_.reset();
}

awaitable<boost::system::error_code> pgsql_connection::wait(bool for_write) {
  if (!socket_ || !socket_->is_open()) co_return asio::error::not_connected;
  boost::system::error_code ec;
  if (for_write) {
    std::tie(ec) =
        co_await socket_->async_wait(asio::socket_base::wait_write, asio::as_tuple(use_awaitable));
  } else {
    std::tie(ec, std::ignore) = co_await socket_->async_receive(asio::buffer(&peek_byte_, 1),
                                                                asio::socket_base::message_peek,
                                                                asio::as_tuple(use_awaitable));
    // The server closed or reset the connection (or refused it): libpq reads that and says so
    // in its own words ("server closed the connection unexpectedly"), which beat ours.
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::connection_aborted || ec == asio::error::connection_refused)
      ec = {};
  }
  if (!ec && broken_) ec = asio::error::operation_aborted;
  co_return ec;
}

awaitable<call_result> pgsql_connection::connect() {
  close();
  broken_ = false;
  const std::uint64_t attempt = connects_;
  const auto deadline = steady::now() + connect_timeout_;
  // libpq resolves `host` with a blocking getaddrinfo unless it is given `hostaddr`: resolve here,
  // asynchronously (cancel() stops it), and keep `host` for certificate checks and SNI.
  std::vector<std::string> addresses{std::string()};  // "": `host` as it is (an address, a path)
  if (is_host_name(host_)) {
    auto lookup = std::make_shared<host_lookup>(executor_);
    lookup_ = lookup;
    std::string why;
    addresses = co_await lookup->resolve(host_, static_cast<unsigned int>(port_), why);
    if (attempt != connects_)  // given up meanwhile, and perhaps started again
      co_return call_result::failure(
          errc::disconnected, "connection attempt given up while resolving \"" + host_ + "\"");
    lookup_.reset();
    if (addresses.empty()) co_return call_result::failure(errc::disconnected, why);
  }
  // Every address in the lookup's order, as libpq does with a name: the next after a failed TCP
  // connect (a name that resolves to ::1 first, a server on 127.0.0.1 only), or once this one's
  // share of connect_timeout passed without a TCP connection (tcp_connect_bound.hpp).
  call_result result;
  std::string failures;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    bool try_next = false;
    const auto tcp_until = tcp_connect_deadline(steady::now(), deadline, i, addresses.size());
    result = co_await connect_to(addresses[i], tcp_until, try_next);
    if (result.ok()) co_return result;
    if (!failures.empty()) failures += "; ";
    failures += result.diagnostics;
    if (!try_next || broken_) break;  // cancel() gives the whole attempt up
  }
  result.diagnostics = std::move(failures);
  co_return result;
}

awaitable<call_result> pgsql_connection::connect_to(const std::string& address,
                                                    steady::time_point tcp_until, bool& try_next) {
  try_next = false;
  std::vector<std::pair<std::string, std::string>> parameters = parameters_;
  if (!address.empty()) parameters.emplace_back("hostaddr", address);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : parameters) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  never_prompt_for_key_passwords();
  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) co_return call_result::failure(errc::disconnected, "libpq: out of memory");
  if (PQstatus(conn_) == CONNECTION_BAD) {  // the connect failed at once (no route, ...)
    std::string why = as_one_line(PQerrorMessage(conn_));
    close();
    try_next = !address.empty();
    co_return call_result::failure(errc::disconnected, why);
  }
  const std::uint64_t attempt = connects_;  // close() bumps it
  // A notice while connecting would reach libpq's default receiver (stderr), and on_notice must
  // not run on cpu_steps(): none is kept until the connection is up.
  PQsetNoticeReceiver(
      conn_, [](void*, const PGresult*) {}, nullptr);
  notices_.clear();
  notices_dropped_ = 0;
  fatal_notice_ = false;
  const auto still_connecting = [this] {
    return conn_ != nullptr && PQstatus(conn_) == CONNECTION_STARTED;
  };
  const auto give_up = [this] {
    boost::system::error_code ignored;
    if (socket_) socket_->cancel(ignored);
  };
  tcp_bound_.arm(tcp_until, still_connecting, give_up);
  const auto share = std::chrono::ceil<std::chrono::milliseconds>(tcp_until - steady::now());
  // libpq: just after PQconnectStart, behave as if PQconnectPoll had returned WRITING.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  for (;;) {
    track_socket();
    boost::system::error_code ec;
    if (status == PGRES_POLLING_WRITING || !tls_bytes_buffered(conn_))
      ec = co_await wait(status == PGRES_POLLING_WRITING);
    else if (broken_)  // as wait() says it: given up by cancel()
      ec = asio::error::operation_aborted;
    if (ec) {
      // Given up by the bound (not by cancel() or close()): the next address gets its turn.
      const bool no_answer = tcp_bound_.expired() && !broken_ && attempt == connects_;
      close();
      if (!no_answer)
        co_return call_result::failure(errc::disconnected, "connection attempt cancelled");
      try_next = true;
      co_return call_result::failure(
          errc::disconnected, "connection to server at \"" + host_ + "\" (" + address + "), port " +
                                  std::to_string(port_) +
                                  " failed: no TCP connection within its share of "
                                  "connect_timeout (" +
                                  std::to_string(share.count()) + " ms)");
    }
    // As libpq does with a name: the next address after a failed TCP connect, not once the
    // server has answered (a refused log-in or TLS handshake would fail there too).
    const bool tcp_phase = PQstatus(conn_) == CONNECTION_STARTED;
    if (tcp_phase) {  // cheap (the socket's state, the startup packet), and the bound reads it
      status = PQconnectPoll(conn_);
    } else {  // the TLS handshake and the log-in (a SCRAM proof) compute: off this thread
      status = co_await connect_poll();
      if (conn_ == nullptr || broken_ || attempt != connects_) {  // given up meanwhile
        close();
        co_return call_result::failure(errc::disconnected, "connection attempt cancelled");
      }
    }
    if (PQstatus(conn_) != CONNECTION_STARTED) tcp_bound_.disarm();  // the TCP connection is up
    if (status == PGRES_POLLING_OK) break;
    if (status == PGRES_POLLING_FAILED) {
      std::string why = as_one_line(PQerrorMessage(conn_));
      bool tls =
          why.find("SSL") != std::string::npos || why.find("certificate") != std::string::npos;
      close();
      try_next = tcp_phase;
      co_return call_result::failure(tls ? errc::tls_error : errc::disconnected, why);
    }
  }
  tcp_bound_.disarm();
  PQsetNoticeReceiver(conn_, &pgsql_connection::on_notice, this);
  PQsetnonblocking(conn_, 1);
  canceller_ = std::shared_ptr<PGcancel>(PQgetCancel(conn_), [](PGcancel* c) {
    if (c) PQfreeCancel(c);
  });
  prepared_.clear();
  co_return call_result::success();
}

awaitable<PostgresPollingStatusType> pgsql_connection::connect_poll() {
  PGconn* const conn = conn_;
  polling_off_thread_ = true;
  // The step is a named local, not a temporary inside the co_await expression: GCC 12 destroys
  // such temporaries wrongly in coroutines.
  auto step = [conn]() -> awaitable<PostgresPollingStatusType> { co_return PQconnectPoll(conn); };
  const PostgresPollingStatusType status =
      co_await asio::co_spawn(cpu_steps(), std::move(step), use_awaitable);
  polling_off_thread_ = false;
  if (conn_ != conn) {  // close() ran meanwhile and left the connection to this step
    PQfinish(conn);
    co_return PGRES_POLLING_FAILED;
  }
  co_return status;
}

awaitable<call_result> pgsql_connection::ping() {
  query_result r = co_await query("SELECT 1", {});
  co_return static_cast<call_result>(r);
}

awaitable<void> pgsql_connection::finish_cancels() {
  if (!cancel_done_) co_return;
  const std::shared_ptr<std::atomic<bool>> request = cancel_done_;
  auto landed = [&request] { return request->load(std::memory_order_acquire); };
  co_await poll_for(executor_, landed, cancel_deadline_);  // the grace from the request's start
}

awaitable<call_result> pgsql_connection::reset() {
  // A cancel request still on its way could hit the next caller's statement: wait until the
  // side thread's PQcancel has returned (the server has taken it), at most the grace period;
  // one that has not returned by then gives the connection up.
  reset_cancelled_ = false;
  if (cancel_done_) {
    const std::shared_ptr<std::atomic<bool>> request = cancel_done_;
    const auto deadline = steady::now() + cancel_grace_;
    asio::steady_timer tick(executor_);
    auto landed = [&request] { return request->load(std::memory_order_acquire); };
    auto given_up = [this, deadline] {
      return broken_ || reset_cancelled_ || steady::now() >= deadline;
    };
    reset_waiting_ = true;
    const bool answered = co_await poll_until(tick, landed, given_up);
    reset_waiting_ = false;
    cancel_done_.reset();
    if (!answered && !reset_cancelled_ && !broken_) {
      broken_ = true;
      co_return call_result::failure(
          errc::disconnected,
          "the cancel request was not answered within connect_timeout; the connection is "
          "replaced (the request could still reach the next statement)");
    }
  }
  cancel_pending_ = false;
  cancel_timer_.cancel();
  if (reset_cancelled_)
    co_return call_result::failure(errc::timeout, "cancelled while waiting for the cancel request");
  if (conn_ == nullptr || broken_ || PQstatus(conn_) != CONNECTION_OK)
    co_return call_result::failure(errc::disconnected, "connection lost");
  if (in_transaction()) {
    query_result r = co_await query("ROLLBACK", {});
    co_return static_cast<call_result>(r);
  }
  co_return call_result::success();
}

void pgsql_connection::close() noexcept {
  ++connects_;
  if (lookup_) {
    lookup_->cancel();
    lookup_.reset();
  }
  cancel_pending_ = false;
  cancel_done_.reset();
  cancel_timer_.cancel();
  tcp_bound_.disarm();
  if (socket_) {
    boost::system::error_code ignored;
    socket_->cancel(ignored);
    if (socket_->is_open()) socket_->release();
    socket_.reset();
  }
  canceller_.reset();
  if (conn_) {
    if (!polling_off_thread_) PQfinish(conn_);  // else connect_poll() does, once its step returns
    conn_ = nullptr;
  }
}

void pgsql_connection::cancel() noexcept {
  if (reset_waiting_) {
    reset_cancelled_ = true;  // reset() stops waiting and fails (nothing is running)
    return;
  }
  if (lookup_) {
    lookup_->cancel();  // still resolving the host name
    return;
  }
  if (conn_ == nullptr) return;
  if (polling_off_thread_ || PQstatus(conn_) != CONNECTION_OK || !canceller_) {
    give_up_connection();  // still connecting: give up the attempt
    return;
  }
  // PQcancel opens a connection of its own and blocks: it runs on a thread of its own, which
  // owns a reference to the cancel object. If the statement has not ended after the grace
  // period (a hung server), the connection is given up and the worker reconnects.
  // The thread only touches what it owns (the cancel object, the done flag), so it may outlive
  // this connection and its io_context. A server that never answers cancel requests keeps such
  // threads for ever: one per connection at a time, and max_cancel_requests_in_flight in the
  // process; past either, the connection is given up instead (the server stops the statement
  // when it finds its client gone).
  const bool started = cancel_requests.start(cancel_done_, [canceller = canceller_] {
    char error[256];
    PQcancel(canceller.get(), error, sizeof error);
  });
  if (!started) {
    give_up_connection();
    return;
  }
  cancel_pending_ = true;
  cancel_deadline_ = steady::now() + cancel_grace_;
  cancel_timer_.expires_after(cancel_grace_);
  cancel_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
        // An expiry already queued when the connection went away, or when the statement ended.
        if (ec || alive.expired() || !cancel_pending_) return;
        give_up_connection();
      });
}

void pgsql_connection::abandon() noexcept {
  if (reset_waiting_ || lookup_ || conn_ == nullptr || polling_off_thread_ ||
      PQstatus(conn_) != CONNECTION_OK) {
    cancel();
    return;
  }
  give_up_connection();  // the ping's wait ends now: `disconnected`
}

void pgsql_connection::give_up_connection() noexcept {
  broken_ = true;
  boost::system::error_code ignored;
  if (socket_) socket_->cancel(ignored);  // the statement's wait ends: `disconnected`
}

bool pgsql_connection::is_fatal(const call_result& result) const noexcept {
  return broken_ || conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK ||
         connection_driver::is_fatal(result);
}

std::optional<std::chrono::milliseconds> pgsql_connection::keepalive_interval() const noexcept {
  return keepalive_;
}

bool pgsql_connection::in_transaction() const noexcept {
  if (conn_ == nullptr) return false;
  PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void pgsql_connection::on_notice(void* self, const PGresult* notice) {
  auto* c = static_cast<pgsql_connection*>(self);
  try {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    const std::string_view s = severity ? severity : "";
    if (s == "FATAL" || s == "PANIC") c->fatal_notice_ = true;
    if (c->notices_.size() < max_notices) {
      c->notices_.push_back(as_one_line(PQresultErrorMessage(notice)));
    } else {
      ++c->notices_dropped_;
    }
  } catch (...) {  // no memory for a notice: it is lost, the statement is not
  }
}

query_result pgsql_connection::with_notices(query_result r) {
  if (notices_dropped_ > 0) {
    // Appended, not `"(" + std::to_string(...)`: GCC 12 takes that for an overlapping memcpy
    // (a false -Wrestrict in release builds).
    std::string dropped = std::to_string(notices_dropped_);
    dropped.insert(0, 1, '(');
    dropped.append(" more notices not kept)");
    notices_.push_back(std::move(dropped));
  }
  r.notices = std::move(notices_);
  notices_.clear();
  notices_dropped_ = 0;
  return r;
}

std::optional<std::string> pgsql_connection::closed_while_idle() noexcept {
  if (conn_ == nullptr || broken_ || PQstatus(conn_) != CONNECTION_OK || PQisBusy(conn_))
    return std::nullopt;
  char byte;
  const int fd = PQsocket(conn_);
  if (fd < 0) return std::nullopt;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return std::nullopt;
  // Something arrived that nobody asked for — a notice, a notification, or the server's farewell
  // (FATAL: terminating connection ...) before it closes — or the stream ended: libpq reads it,
  // and PQisBusy() parses it (handing notices to on_notice). PQerrorMessage still holds the last
  // statement's error (libpq 15 appends to it): only what this read adds is the reason.
  notices_.clear();
  notices_dropped_ = 0;
  fatal_notice_ = false;
  const std::size_t old_error = std::strlen(PQerrorMessage(conn_));
  const bool read = PQconsumeInput(conn_) != 0;
  PQisBusy(conn_);
  drop_notifications();
  if (read && PQstatus(conn_) == CONNECTION_OK && !fatal_notice_) {
    notices_.clear();
    // A notice only: alive, unless the stream ended right behind it.
    n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n != 0) return std::nullopt;
  }
  broken_ = true;
  try {
    const char* error = PQerrorMessage(conn_);
    std::string why;
    if (fatal_notice_ && !notices_.empty()) {
      why = notices_.back();
    } else if (std::strlen(error) > old_error) {
      why = as_one_line(error + old_error);
    }
    notices_.clear();
    return why.empty() ? std::string("the server closed the connection")
                       : "the server closed the connection: " + why;
  } catch (...) {
    return std::nullopt;  // broken: the next statement says so
  }
}

query_result pgsql_connection::lost(const std::string& what) {
  broken_ = true;
  std::string why = conn_ ? as_one_line(PQerrorMessage(conn_)) : std::string();
  return query_result(
      call_result::failure(errc::disconnected, why.empty() ? what : what + ": " + why));
}

query_result pgsql_connection::not_sent(const std::string& what) {
  // libpq refused the statement itself (more than 65535 parameters, no memory for it) and the
  // connection is as it was: the caller's error, not the connection's.
  if (PQstatus(conn_) == CONNECTION_OK && !PQisBusy(conn_))
    return query_result(call_result::failure(errc::invalid_argument,
                                             what + ": " + as_one_line(PQerrorMessage(conn_))));
  return lost(what);
}

std::size_t pgsql_connection::markers_of(std::string_view sql) const {
  const char* standard = PQparameterStatus(conn_, "standard_conforming_strings");
  return highest_pgsql_marker(sql, standard == nullptr || std::string_view(standard) == "on");
}

std::optional<query_result> pgsql_connection::unsendable(std::string_view sql,
                                                         const pgsql_params& params,
                                                         std::size_t markers) const {
  const auto refuse = [](std::string why) {
    return query_result(call_result::failure(errc::invalid_argument, std::move(why)));
  };
  if (sql.find('\0') != std::string_view::npos)
    return refuse("the statement's text holds a NUL byte; libpq would send only what is before it");
  if (!params.refused().empty()) return refuse(params.refused());
  if (params.count() == 0) return std::nullopt;
  // Values beyond the text's markers: the server would take them (typed ones without a word, as
  // parameters no marker names) or refuse them for a type it cannot infer ("could not determine
  // data type of parameter $2"); both are the caller's mistake, said plainly. Fewer values than
  // markers are the server's to refuse ("there is no parameter $2"): a marker in code the server
  // reads another way (a function's body, a PREPARE's) needs none.
  const auto given = static_cast<std::size_t>(params.count());
  if (given > markers) return refuse(wrong_parameter_count_message(markers, given));
  return std::nullopt;
}

awaitable<query_result> pgsql_connection::query(std::string_view sql,
                                                std::span<const value> params) {
  if (conn_ == nullptr || broken_) co_return lost("not connected");
  notices_.clear();
  notices_dropped_ = 0;
  const pgsql_params p = encode_pgsql_params(params);
  if (std::optional<query_result> refused =
          unsendable(sql, p, params.empty() ? 0 : markers_of(sql)))
    co_return std::move(*refused);
  std::string text(sql);
  // Without parameters, the simple protocol: one Query message instead of Parse/Bind/Execute/
  // Sync, less work for the server (what pgbench -M simple sends).
  const bool sent = params.empty()
                        ? PQsendQuery(conn_, text.c_str()) != 0
                        : PQsendQueryParams(conn_, text.c_str(), p.count(), p.types(), p.values(),
                                            p.lengths(), p.formats(), 0) != 0;
  if (!sent) co_return not_sent("sending the query failed");
  co_return with_notices(co_await collect());
}

awaitable<query_result> pgsql_connection::execute(std::string_view name, std::string_view sql,
                                                  std::span<const value> params) {
  if (conn_ == nullptr || broken_) co_return lost("not connected");
  notices_.clear();
  notices_dropped_ = 0;
  const pgsql_params p = encode_pgsql_params(params);
  // The text's markers are counted once, when it is prepared, not at each run.
  const auto known = prepared_.find(name);
  const std::size_t markers = known != prepared_.end() && known->second.text == sql
                                  ? known->second.markers
                                  : markers_of(sql);
  if (std::optional<query_result> refused = unsendable(sql, p, markers))
    co_return std::move(*refused);
  bool reused = false;
  query_result result = co_await prepare_and_run(name, sql, p, markers, reused);
  if (!result.ok() && reused && !broken_) {
    // 26000: the server no longer knows the name — a DISCARD ALL or DEALLOCATE ALL run through
    // query() dropped it. 0A000 of a statement prepared before: "cached plan must not change
    // result type", its table was altered since (or a genuine 0A000, which the second run gives
    // again; a statement that failed kept nothing). Prepared again and run once more, unless
    // that failed a transaction: nothing more runs in it then, and a stale statement is
    // prepared again at its next run.
    const bool unknown = result.sqlstate == "26000", stale = result.sqlstate == "0A000";
    if (unknown) prepared_.erase(std::string(name));
    if (stale) {
      if (auto it = prepared_.find(name); it != prepared_.end()) it->second.stale = true;
    }
    if ((unknown || stale) && !in_transaction())
      result = co_await prepare_and_run(name, sql, p, markers, reused);
  }
  co_return with_notices(std::move(result));
}

namespace {
// Whether a statement prepared with `prepared` runs these values as query() would: each value
// has the type it was prepared for (a text the server's inferred one, 0); a NULL fits any.
bool types_fit(const std::vector<Oid>& prepared, const pgsql_params& p) {
  if (prepared.size() != static_cast<std::size_t>(p.count())) return false;
  for (std::size_t i = 0; i < prepared.size(); ++i)
    if (p.values()[i] != nullptr && p.types()[i] != prepared[i]) return false;
  return true;
}
}  // namespace

awaitable<query_result> pgsql_connection::prepare_and_run(std::string_view name,
                                                          std::string_view sql,
                                                          const pgsql_params& params,
                                                          std::size_t markers, bool& reused) {
  const std::string statement(name);
  auto known = prepared_.find(statement);
  reused = known != prepared_.end();
  if (known != prepared_.end() && (known->second.text != sql || known->second.stale ||
                                   !types_fit(known->second.types, params))) {
    // The name was registered again with another text (another client of the pool), its values
    // have other types than it was prepared for, or its plan went stale: this connection drops
    // the old statement and prepares it again under the same name.
    reused = false;
    char* quoted = PQescapeIdentifier(conn_, statement.c_str(), statement.size());
    if (quoted == nullptr) co_return lost("quoting the statement's name failed");
    const std::string deallocate = std::string("DEALLOCATE ") + quoted;
    PQfreemem(quoted);
    if (!PQsendQuery(conn_, deallocate.c_str())) co_return not_sent("sending DEALLOCATE failed");
    query_result dropped = co_await collect();
    // 26000: the server dropped it already (a DISCARD ALL): nothing to drop, prepared below.
    if (!dropped.ok() && dropped.sqlstate != "26000") co_return dropped;
    prepared_.erase(known);
    known = prepared_.end();
  }
  if (known == prepared_.end()) {
    // Prepared with the types of this run's values, as query() sends them: a server inferring
    // them from the text alone would take an int64 for an integer (`$1 + 1`), a bool or an
    // int64 for a text (`SELECT $1`), and read bytes sent in binary as text.
    const std::string text(sql);
    if (!PQsendPrepare(conn_, statement.c_str(), text.c_str(), params.count(), params.types()))
      co_return not_sent("sending PREPARE failed");
    query_result prepared = co_await collect();
    if (!prepared.ok()) co_return prepared;
    prepared_.emplace(
        statement, prepared_statement{
                       .text = text,
                       .types = std::vector<Oid>(params.types(), params.types() + params.count()),
                       .markers = markers});
  }
  if (!PQsendQueryPrepared(conn_, statement.c_str(), params.count(), params.values(),
                           params.lengths(), params.formats(), 0))
    co_return not_sent("sending the statement failed");
  co_return co_await collect();
}

awaitable<query_result> pgsql_connection::collect() {
  for (;;) {
    int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) co_return lost("sending the query failed");
    if (co_await wait(true)) co_return lost("connection lost while sending");
  }
  query_result result;
  bool failed = false;
  // The connection ended: `disconnected`, with the SQLSTATE of the error the server sent just
  // before it closed, if one came (57P01 when pg_terminate_backend ended it, 57P02 a shutdown).
  // Worded as that error ("SQLSTATE 57P01: terminating connection due to administrator
  // command"), as odbc words it, so that its sqlstate and message read the same way: libpq's
  // own words after it ("server closed the connection unexpectedly; This probably means the
  // server terminated abnormally ...") would blame the server for what an administrator did.
  const auto gone = [&](const char* what) {
    if (!failed) return lost(what);
    broken_ = true;
    query_result r(call_result::failure(errc::disconnected, result.diagnostics));
    r.sqlstate = result.sqlstate;
    return r;
  };
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!tls_bytes_buffered(conn_) && co_await wait(false))
        co_return gone("connection lost while waiting for the result");
      if (!PQconsumeInput(conn_)) co_return gone("connection lost");
    }
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) break;
    std::unique_ptr<PGresult, decltype(&PQclear)> guard(res, &PQclear);
    ExecStatusType status = PQresultStatus(res);
    if (failed) {  // drain what follows an error
      // A COPY now is no answer a server gives; libpq would return it for ever.
      if (status != PGRES_COPY_IN && status != PGRES_COPY_OUT && status != PGRES_COPY_BOTH)
        continue;
      broken_ = true;
      co_return result;
    }
    if (status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE) {
      // Several statements in one query string: the last one's result, as PQexec gives.
      result = query_result();
      // A slice at a time (result_slices.hpp); a call cancelled (past its call_timeout) stops
      // being converted, and the rest of the answer is drained.
      const int slice = static_cast<int>(rows_per_slice(static_cast<std::size_t>(PQnfields(res))));
      const std::uint64_t connection = connects_;
      for (int next = 0; !cancel_pending_;) {
        next = read_pgsql_rows(res, result, next, slice);
        if (next >= PQntuples(res)) break;
        co_await let_other_handlers_run(executor_);
        if (connection != connects_) {  // closed meanwhile: conn_ is not this statement's
          free_after_queued_handlers(executor_, std::move(guard));
          co_return query_result(call_result::failure(errc::disconnected, "connection closed"));
        }
      }
      if (cancel_pending_) {
        free_after_queued_handlers(executor_, std::move(result));
        free_after_queued_handlers(executor_, std::move(guard));
        result = query_result(call_result::failure(
            errc::timeout, "cancelled while the result was read; the rest was dropped"));
        failed = true;
        continue;
      }
      // INSERT/UPDATE/DELETE/MERGE ... RETURNING: rows and a count; SELECT, FETCH, ... none.
      const std::string_view tag = PQcmdStatus(res) ? PQcmdStatus(res) : "";
      for (std::string_view changes : {"INSERT ", "UPDATE ", "DELETE ", "MERGE "})
        if (tag.starts_with(changes)) result.affected_rows = affected_rows_of(res);
    } else if (status == PGRES_COMMAND_OK) {
      result = query_result();
      result.affected_rows = affected_rows_of(res);
    } else if (status == PGRES_EMPTY_QUERY) {
    } else if (status == PGRES_COPY_IN) {
      // COPY FROM STDIN has no data to send here: end it with an error and drain the answer.
      PQputCopyEnd(conn_, "COPY FROM STDIN is not supported through outpools");
      result = query_result(call_result::failure(
          errc::invalid_argument, "COPY FROM STDIN is not supported through outpools"));
      failed = true;
    } else if (status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      // The server streams rows that nothing here reads: give the connection up.
      broken_ = true;
      co_return query_result(
          call_result::failure(errc::invalid_argument,
                               "COPY TO STDOUT is not supported through outpools; the "
                               "connection is replaced"));
    } else {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
      if (state == nullptr && PQstatus(conn_) != CONNECTION_OK) co_return lost("connection lost");
      result = server_error(state ? state : "XX000",
                            message ? message : as_one_line(PQresultErrorMessage(res)));
      failed = true;
    }
  }
  cancel_pending_ = false;
  cancel_timer_.cancel();
  if (PQstatus(conn_) != CONNECTION_OK) co_return gone("connection lost");
  drop_notifications();
  co_return result;
}

}  // namespace outpools::rdbms
