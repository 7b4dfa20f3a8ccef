#include "drivers/rdbms/mysql/mysql_connection.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include <poll.h>
#include <sys/socket.h>

#include "drivers/rdbms/changed_columns.hpp"
#include "drivers/rdbms/host_lookup.hpp"
#include "drivers/rdbms/message_lines.hpp"
#include "drivers/rdbms/mysql/mysql_dialog.hpp"
#include "drivers/rdbms/mysql/mysql_side_connect.hpp"
#include "drivers/rdbms/mysql/mysql_values.hpp"
#include "drivers/rdbms/parameter_count.hpp"
#include "drivers/rdbms/poll_until.hpp"
#include "drivers/rdbms/result_slices.hpp"
#include "drivers/rdbms/statement_words.hpp"
#include "drivers/rdbms/tcp_connect_bound.hpp"

namespace outpools::rdbms {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

// Error numbers after which the connection is gone: client-side transport errors, and the
// server's own "you were killed / shut down" errors.
bool connection_lost(unsigned int code, const char* sqlstate) {
  switch (code) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_COMMANDS_OUT_OF_SYNC:
    case CR_UNKNOWN_ERROR:
    case CR_MALFORMED_PACKET:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_NEW_ABORTING_CONNECTION:
      return true;
    default:
      break;
  }
  return sqlstate != nullptr && sqlstate[0] == '0' && sqlstate[1] == '8';  // connection exception
}

// The server's words in an ERR packet it sent unasked ("Connection was killed", "Server shutdown
// in progress"): header (3 bytes length, 1 sequence), 0xFF, code (2 bytes), '#' + SQLSTATE.
std::string unasked_error(const unsigned char* p, std::size_t n) {
  if (n < 7 || p[4] != 0xFF) return {};
  const std::size_t length = p[0] | (p[1] << 8) | (p[2] << 16);
  const std::size_t end = std::min(n, 4 + length);
  const unsigned code = p[5] | (p[6] << 8);
  std::size_t text = 7;
  if (end >= 13 && p[7] == '#') text = 13;
  std::string message(reinterpret_cast<const char*>(p) + text,
                      reinterpret_cast<const char*>(p) + std::max(text, end));
  return message + " (error " + std::to_string(code) + ")";
}

// Hands the addresses of `host` to `side` (if it is still there).
awaitable<void> count_addresses(std::shared_ptr<host_lookup> lookup,
                                std::weak_ptr<mysql_side_connect> side, std::string host,
                                unsigned int port) {
  std::string why;
  const std::vector<std::string> addresses = co_await lookup->resolve(host, port, why);
  if (std::shared_ptr<mysql_side_connect> attempt = side.lock()) attempt->set_addresses(addresses);
}

}  // namespace

mysql_connection::mysql_connection(const pool_spec& spec, asio::io_context::executor_type executor)
    : settings_(std::make_shared<const mysql_settings>(mysql_settings::from(spec))),
      cancel_grace_(spec.connect_timeout.value_or(std::chrono::milliseconds(5000))),
      executor_(executor),
      wait_timer_(executor),
      cancel_timer_(executor),
      tcp_bound_(executor) {
  const auto& o = std::get<rdbms_options>(spec.connection);
  if (o.keepalive_interval) keepalive_ = *o.keepalive_interval;
  mysql_library_once();
}

mysql_connection::~mysql_connection() { close(); }

void mysql_connection::track_socket() {
  const int fd = conn_ ? static_cast<int>(mysql_get_socket(conn_)) : -1;
  if (socket_ && socket_->is_open() && socket_->native_handle() == fd) return;
  if (socket_ && socket_->is_open()) socket_->release();  // the library owns the descriptor
  socket_.reset();
  if (fd >= 0) socket_.emplace(executor_, fd);
}

awaitable<int> mysql_connection::wait_for(int status) {
  if (broken_) co_return 0;
  const bool with_timeout = (status & MYSQL_WAIT_TIMEOUT) != 0;
  const bool on_socket = (status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT)) != 0;
  const auto timeout = std::chrono::milliseconds(conn_ ? mysql_get_timeout_value_ms(conn_) : 0);
  if (!on_socket) {
    wait_timer_.expires_after(timeout);
    auto [ec] = co_await wait_timer_.async_wait(asio::as_tuple(use_awaitable));
    co_return ec || broken_ ? 0 : MYSQL_WAIT_TIMEOUT;
  }
  track_socket();
  if (!socket_) co_return 0;
  auto timed_out = std::make_shared<bool>(false);
  if (with_timeout) {
    wait_timer_.expires_after(timeout);
    wait_timer_.async_wait([this, timed_out](boost::system::error_code ec) {
      if (ec) return;
      *timed_out = true;
      boost::system::error_code ignored;
      if (socket_) socket_->cancel(ignored);
    });
  }
  const bool for_write = (status & MYSQL_WAIT_WRITE) != 0;
  auto [ec] = co_await socket_->async_wait(for_write ? asio::posix::descriptor_base::wait_write
                                                     : asio::posix::descriptor_base::wait_read,
                                           asio::as_tuple(use_awaitable));
  if (*timed_out && !broken_) co_return MYSQL_WAIT_TIMEOUT;
  if (with_timeout) wait_timer_.cancel();
  if (ec || broken_) co_return 0;
  co_return for_write ? MYSQL_WAIT_WRITE : MYSQL_WAIT_READ;
}

template <typename Start, typename Cont>
awaitable<bool> mysql_connection::drive(Start start, Cont cont) {
  in_progress_ = true;
  const int status = start();  // a named local: GCC 12 mishandles calls inside co_await
  const bool done = co_await drive_from(status, cont);
  if (!done) co_return false;
  in_progress_ = false;
  co_return true;
}

template <typename Cont>
awaitable<bool> mysql_connection::drive_from(int status, Cont cont) {
  const std::uint64_t generation = generation_;
  while (status != 0) {
    pending_status_ = status;
    const int ready = co_await wait_for(status);
    if (generation != generation_) co_return false;  // closed meanwhile: touch nothing
    if (ready == 0) {
      broken_ = true;
      co_return false;
    }
    status = cont(ready);
  }
  pending_status_ = 0;
  co_return true;
}

query_result mysql_connection::lost(std::uint64_t generation, const std::string& what) {
  if (generation != generation_ || conn_ == nullptr)
    return query_result(call_result::failure(errc::disconnected, what + ": connection closed"));
  broken_ = true;
  const std::string why = mysql_errno(conn_) != 0 ? mysql_error(conn_) : "";
  return query_result(
      call_result::failure(errc::disconnected, why.empty() ? what : what + ": " + why));
}

query_result mysql_connection::failure(MYSQL_STMT* stmt) {
  const unsigned int code = stmt ? mysql_stmt_errno(stmt) : mysql_errno(conn_);
  const char* state = stmt ? mysql_stmt_sqlstate(stmt) : mysql_sqlstate(conn_);
  const std::string message = stmt ? mysql_stmt_error(stmt) : mysql_error(conn_);
  if (connection_lost(code, state)) {
    broken_ = true;
    query_result r(call_result::failure(
        errc::disconnected, "connection lost (" + std::to_string(code) + "): " + message));
    // The server's own state when it said why (1927 "Connection was killed": 70100), not the
    // library's HY000 for a connection that just went away.
    if (state != nullptr && std::strlen(state) == 5 && std::strcmp(state, "HY000") != 0 &&
        std::strcmp(state, "00000") != 0)
      r.sqlstate = state;
    return r;
  }
  return server_error(state && *state ? state : "HY000", message);
}

awaitable<std::vector<std::string>> mysql_connection::targets(std::string& why) {
  const mysql_settings& s = *settings_;
  // With verify_peer the name itself, for the certificate check; connect_to resolves it then.
  if (!is_host_name(s.host) || (s.tls && s.tls->verify_peer)) co_return std::vector{s.host};
  const std::uint64_t generation = generation_;
  auto lookup = std::make_shared<host_lookup>(executor_);
  lookup_ = lookup;
  std::vector<std::string> addresses = co_await lookup->resolve(s.host, s.port, why);
  if (generation != generation_) {  // given up meanwhile
    why = "connection attempt given up while resolving \"" + s.host + "\"";
    co_return std::vector<std::string>{};
  }
  lookup_.reset();
  co_return addresses;
}

awaitable<call_result> mysql_connection::connect() {
  close();
  broken_ = false;
  connect_cancelled_ = false;
  attempt_deadline_ = std::chrono::steady_clock::now() + settings_->connect_timeout;
  std::string why;
  const std::vector<std::string> hosts = co_await targets(why);
  if (hosts.empty()) co_return call_result::failure(errc::disconnected, why);
  call_result r;
  std::string failures;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const auto tcp_until =
        tcp_connect_deadline(std::chrono::steady_clock::now(), attempt_deadline_, i, hosts.size());
    r = co_await connect_to(hosts[i], tcp_until);
    if (r.ok()) co_return r;
    if (!failures.empty()) failures += "; ";
    failures += r.diagnostics;
    // The next address only after a refused, unreachable or silent one, as Connector/C does
    // with a name (tcp_connect_bound.hpp gives a silent one up).
    if (connect_cancelled_ || r.error != errc::disconnected ||
        (connect_errno_ != CR_CONNECTION_ERROR && connect_errno_ != CR_CONN_HOST_ERROR))
      break;
  }
  r.diagnostics = std::move(failures);
  co_return r;
}

awaitable<call_result> mysql_connection::connect_to(
    const std::string& host, std::chrono::steady_clock::time_point tcp_until) {
  close();
  broken_ = false;
  connect_errno_ = 0;
  conn_ = mysql_new_handle(*settings_, true);
  if (conn_ == nullptr) co_return call_result::failure(errc::disconnected, "mysql_init failed");
  const mysql_settings& s = *settings_;
  MYSQL* ret = nullptr;
  const std::uint64_t generation = generation_;
  // A name Connector/C must look up itself, or a TLS handshake (its CA file is loaded for each
  // connection): on a thread of its own, not the I/O thread's.
  if (is_host_name(host) || s.tls) co_return co_await connect_on_side_thread(host);
  connecting_ = true;
  const auto still_connecting = [this] {
    return conn_ != nullptr && tcp_connect_pending(static_cast<int>(mysql_get_socket(conn_)));
  };
  const auto give_up = [this] {
    boost::system::error_code ignored;
    if (socket_) socket_->cancel(ignored);
    wait_timer_.cancel();
  };
  tcp_bound_.arm(tcp_until, still_connecting, give_up);
  const auto share =
      std::chrono::ceil<std::chrono::milliseconds>(tcp_until - std::chrono::steady_clock::now());
  in_progress_ = true;
  const int started = mysql_real_connect_start(
      &ret, conn_, host.c_str(), s.user.c_str(), s.password ? s.password->c_str() : nullptr,
      s.database.empty() ? nullptr : s.database.c_str(), s.port, nullptr, CLIENT_MULTI_RESULTS);
  const auto cont = [&](int events) { return mysql_real_connect_cont(&ret, conn_, events); };
  const bool done = co_await drive_from(started, cont);
  if (done) in_progress_ = false;
  const bool no_answer = tcp_bound_.expired() && !connect_cancelled_;
  tcp_bound_.disarm();
  if (generation != generation_)
    co_return call_result::failure(errc::disconnected, "connection attempt abandoned");
  if (!done) {
    close();
    if (!no_answer)
      co_return call_result::failure(errc::disconnected, "connection attempt cancelled");
    connect_errno_ = CR_CONN_HOST_ERROR;  // as Connector/C says of an address it cannot reach
    co_return call_result::failure(
        errc::disconnected, connect_target(host) +
                                " failed: no TCP connection within its share of connect_timeout (" +
                                std::to_string(share.count()) + " ms)");
  }
  connecting_ = false;
  co_return finish_connect(host, ret != nullptr);
}

awaitable<call_result> mysql_connection::connect_on_side_thread(const std::string& host) {
  const std::uint64_t generation = generation_;
  side_connect_ =
      mysql_side_connect::start(settings_, std::exchange(conn_, nullptr), host, attempt_deadline_);
  if (!side_connect_)
    co_return call_result::failure(errc::disconnected, "no thread for the connection attempt");
  // The name's addresses are counted beside Connector/C's own lookup, for its bound per address.
  if (is_host_name(host)) {
    count_lookup_ = std::make_shared<host_lookup>(executor_);
    asio::co_spawn(executor_, count_addresses(count_lookup_, side_connect_, host, settings_->port),
                   asio::detached);
  }
  const auto done = [&] { return side_connect_->done(); };
  const auto given_up = [&] { return generation != generation_; };  // close(), or cancel()
  const bool finished = co_await poll_until(wait_timer_, done, given_up);
  if (!finished) co_return call_result::failure(errc::disconnected, "connection attempt abandoned");
  bool connected = false;
  conn_ = side_connect_->take(connected);
  const bool server_without_tls = side_connect_->refused_a_server_without_tls();
  side_connect_.reset();
  if (server_without_tls)
    co_return call_result::failure(
        errc::tls_error, connect_target(host) +
                             " failed: the server does not offer TLS (its greeting says so), and "
                             "the pool's tls table requires it; nothing was sent to it");
  if (conn_ == nullptr)
    co_return call_result::failure(errc::disconnected,
                                   connect_target(host) + " did not finish within " +
                                       std::to_string(settings_->connect_timeout.count()) + " ms");
  co_return finish_connect(host, connected);
}

std::string mysql_connection::connect_target(const std::string& host) const {
  const mysql_settings& s = *settings_;
  return "mysql connect to " + s.host + (host != s.host ? " (" + host + ")" : std::string()) + ":" +
         std::to_string(s.port);
}

call_result mysql_connection::finish_connect(const std::string& host, bool connected) {
  const mysql_settings& s = *settings_;
  const std::string where = connect_target(host);
  if (!connected) {
    const unsigned int code = mysql_errno(conn_);
    const std::string question = take_refused_dialog_question(conn_);
    // Connector/C names the wrong plugin in this error (and one letter short): said here.
    // A refused dialog question it reports as a lost connection.
    const std::string why =
        !question.empty()
            ? "the server's dialog authentication asked \"" + as_one_line(question.c_str()) +
                  "\", which a pool does not answer (it sends its password to the first "
                  "password question only)"
        : code == CR_PLUGIN_NOT_ALLOWED
            ? std::string("the server asked for an authentication plugin other than ") +
                  password_safe_auth_plugins +
                  "; those that send the password as it is (mysql_clear_password, dialog) are "
                  "allowed only with tls.verify_peer"
            : std::string(mysql_error(conn_));
    const bool tls =
        question.empty() &&  // (the question's words are the server's)
        (code == CR_SSL_CONNECTION_ERROR || why.find("SSL") != std::string::npos ||
         why.find("TLS") != std::string::npos || why.find("certificate") != std::string::npos);
    connect_errno_ = code;
    close();
    return call_result::failure(tls ? errc::tls_error : errc::disconnected,
                                where + " failed (" + std::to_string(code) + "): " + why);
  }
  if (s.tls && mysql_get_ssl_cipher(conn_) == nullptr) {
    // MYSQL_OPT_SSL_ENFORCE is set, yet Connector/C 3.3 goes on in plain text with a server
    // that offers no TLS: a tls table asks for TLS, so the connection is refused here.
    close();
    return call_result::failure(errc::tls_error,
                                where +
                                    " failed: the server does not offer TLS, and the pool's "
                                    "tls table requires it");
  }
  mysql_keep_nonblocking(conn_);  // Connector/C left it blocking: OpenSSL's reads would block
  connected_ = true;
  connected_to_ = host;
  track_socket();
  return call_result::success();
}

awaitable<call_result> mysql_connection::ping() {
  query_result r = co_await query("SELECT 1", {});
  co_return static_cast<call_result>(r);
}

awaitable<bool> mysql_connection::await_kill() {
  // A KILL QUERY still in flight could hit the next statement: wait for its answer first, at
  // most the grace period (a broken connection is replaced anyway: no need to wait).
  if (!kill_done_) co_return true;
  const std::shared_ptr<std::atomic<int>> request = kill_done_;
  const auto until = std::chrono::steady_clock::now() + cancel_grace_;
  auto ended = [&request] { return request->load(std::memory_order_acquire) != 0; };
  auto given_up = [this, until] {
    return broken_ || reset_cancelled_ || std::chrono::steady_clock::now() >= until;
  };
  const bool finished = co_await poll_until(wait_timer_, ended, given_up);
  kill_done_.reset();
  co_return finished && request->load(std::memory_order_acquire) == 1;
}

awaitable<void> mysql_connection::finish_cancels() {
  if (!kill_done_) co_return;
  const std::shared_ptr<std::atomic<int>> request = kill_done_;
  auto ended = [&request] { return request->load(std::memory_order_acquire) != 0; };
  co_await poll_for(executor_, ended, kill_deadline_);  // the KILL's own bound from its start
}

awaitable<call_result> mysql_connection::reset() {
  reset_cancelled_ = false;
  reset_waiting_ = true;
  const bool kill_answered = co_await await_kill();
  reset_waiting_ = false;
  cancel_timer_.cancel();
  if (reset_cancelled_)
    co_return call_result::failure(errc::timeout, "cancelled while waiting for the KILL QUERY");
  if (!usable()) co_return call_result::failure(errc::disconnected, "connection lost");
  if (!kill_answered) {
    broken_ = true;
    co_return call_result::failure(
        errc::disconnected,
        "the KILL QUERY was not answered within connect_timeout; the connection is replaced (it "
        "could still reach the next statement)");
  }
  if (in_transaction()) {
    query_result r = co_await query("ROLLBACK", {});
    co_return static_cast<call_result>(r);
  }
  co_return call_result::success();
}

void mysql_connection::close() noexcept {
  ++generation_;
  if (lookup_) {
    lookup_->cancel();
    lookup_.reset();
  }
  if (side_connect_) {
    side_connect_->abandon();
    side_connect_.reset();
  }
  if (count_lookup_) {
    count_lookup_->cancel();
    count_lookup_.reset();
  }
  cancel_timer_.cancel();
  wait_timer_.cancel();
  tcp_bound_.disarm();
  if (socket_) {
    boost::system::error_code ignored;
    socket_->cancel(ignored);
    if (socket_->is_open()) socket_->release();
    socket_.reset();
  }
  if (conn_) {
    // Mid-call or broken: shut the socket first so that mysql_close's COM_QUIT cannot block.
    if (connecting_ && pending_status_ != 0) mysql_end_connect(conn_, pending_status_);
    if (in_progress_ || broken_) mariadb_cancel(conn_);
    release_streaming();
    take_refused_dialog_question(conn_);  // (finish_connect took it, unless given up before)
    mysql_close(conn_);                   // also detaches every statement from the connection
    conn_ = nullptr;
  }
  for (auto& [name, s] : statements_) mysql_stmt_close(s.handle);  // no I/O once detached
  statements_.clear();
  kill_done_.reset();  // a KILL still on its way names the closed connection's thread only
  connected_ = false;
  in_progress_ = false;
  connecting_ = false;
  pending_status_ = 0;
}

void mysql_connection::cancel() noexcept {
  if (reset_waiting_) {
    reset_cancelled_ = true;  // reset() stops waiting and fails (nothing is running)
    wait_timer_.cancel();     // at once
    return;
  }
  if (lookup_ || side_connect_) {  // still resolving the host name: give the attempt up
    close();
    return;
  }
  call_cancelled_ = true;
  if (conn_ == nullptr || !in_progress_) return;  // nothing running: a KILL could hit the next
  if (!connected_ || broken_) {
    // Still connecting: give up the attempt.
    broken_ = true;
    connect_cancelled_ = true;
    boost::system::error_code ignored;
    if (socket_) socket_->cancel(ignored);
    wait_timer_.cancel();
    return;
  }
  try {
    auto done = std::make_shared<std::atomic<int>>(0);
    std::thread([settings = settings_, host = connected_to_, id = mysql_thread_id(conn_), done] {
      const kill_outcome outcome = mysql_kill_query(*settings, host, id);
      done->store(outcome == kill_outcome::unanswered ? 2 : 1, std::memory_order_release);
    }).detach();
    kill_done_ = std::move(done);
    kill_deadline_ = std::chrono::steady_clock::now() + kill_query_bound(*settings_);
  } catch (...) {
  }
  cancel_timer_.expires_after(cancel_grace_);
  cancel_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !in_progress_) return;
    give_up_connection();  // the statement did not stop
  });
}

void mysql_connection::abandon() noexcept {
  if (reset_waiting_ || lookup_ || side_connect_ || conn_ == nullptr || !in_progress_ ||
      !connected_ || broken_) {
    cancel();
    return;
  }
  call_cancelled_ = true;
  give_up_connection();  // the ping's wait ends now: no KILL QUERY, the connection is replaced
}

void mysql_connection::give_up_connection() noexcept {
  broken_ = true;
  boost::system::error_code ignored;
  if (socket_) socket_->cancel(ignored);
  wait_timer_.cancel();
}

query_result mysql_connection::cancelled_while_reading() {
  broken_ = true;  // the rest of the result is still to come: out of sync
  release_streaming();
  return query_result(call_result::failure(
      errc::timeout,
      "cancelled while the result was read; the connection is replaced, as the rest of the "
      "result was still to come"));
}

awaitable<std::optional<query_result>> mysql_connection::after_slice(std::uint64_t generation,
                                                                     query_result& out) {
  co_await let_other_handlers_run(executor_);  // a slice at a time (result_slices.hpp)
  if (generation != generation_) co_return lost(generation, "the connection was closed");
  if (call_cancelled_) {
    free_after_queued_handlers(executor_, std::move(out));
    co_return cancelled_while_reading();
  }
  co_return std::nullopt;
}

void mysql_connection::release_streaming() noexcept {
  if (streaming_ == nullptr) return;
  // Rows left unread: the socket is shut first, so that freeing the result (which reads the
  // rest) returns at once.
  if (in_progress_ || broken_) mariadb_cancel(conn_);
  mysql_free_result(streaming_);
  streaming_ = nullptr;
}

bool mysql_connection::is_fatal(const call_result& result) const noexcept {
  return !usable() || connection_driver::is_fatal(result);
}

std::optional<std::chrono::milliseconds> mysql_connection::keepalive_interval() const noexcept {
  return keepalive_;
}

std::optional<std::string> mysql_connection::closed_while_idle() noexcept {
  if (!usable() || in_progress_) return std::nullopt;
  const int fd = static_cast<int>(mysql_get_socket(conn_));
  if (fd < 0) return std::nullopt;
  pollfd watched{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&watched, 1, 0) <= 0 || watched.revents == 0) return std::nullopt;
  const bool ended = (watched.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  const bool tls = mysql_get_ssl_cipher(conn_) != nullptr;
  // Under TLS, bytes alone may be a record of the session's own (a TLS 1.3 ticket) that the
  // library reads with the next statement: only the end of the stream tells. In plain text the
  // protocol has nothing for the server to say between statements but goodbye (an ERR packet:
  // killed, shutting down).
  if (!ended && tls) return std::nullopt;
  broken_ = true;
  try {
    std::string why;
    unsigned char packet[512];
    const ssize_t n = ::recv(fd, packet, sizeof packet, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 && !tls) why = unasked_error(packet, static_cast<std::size_t>(n));
    if (why.empty() && (watched.revents & POLLERR) != 0) {
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0)
        why = std::strerror(error);
    }
    return why.empty() ? std::string("the server closed the connection")
                       : "the server closed the connection: " + why;
  } catch (...) {
    return std::nullopt;  // broken: the next statement says so
  }
}

bool mysql_connection::in_transaction() const noexcept {
  if (conn_ == nullptr || !connected_) return false;
  unsigned int status = 0;
  if (mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status)) return false;
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

awaitable<query_result> mysql_connection::query(std::string_view sql,
                                                std::span<const value> params) {
  const std::uint64_t generation = generation_;
  if (!usable()) co_return lost(generation, "not connected");
  call_cancelled_ = false;
  std::string text;
  if (params.empty()) {
    text.assign(sql);
  } else {
    std::string error;
    std::optional<std::string> interpolated = mysql_interpolate(conn_, sql, params, error);
    if (!interpolated)
      co_return query_result(call_result::failure(errc::invalid_argument, std::move(error)));
    text = std::move(*interpolated);
  }
  int err = 0;
  if (!co_await drive([&] { return mysql_real_query_start(&err, conn_, text.data(), text.size()); },
                      [&](int events) { return mysql_real_query_cont(&err, conn_, events); }))
    co_return lost(generation, "sending the query failed");
  if (err != 0) co_return failure();
  co_return co_await collect(generation);
}

awaitable<query_result> mysql_connection::collect(std::uint64_t generation) {
  query_result out;
  bool first = true;
  for (;;) {
    // Unbuffered (mysql_use_result): each fetch is one library call for one row, and the
    // thread's other handlers run between slices. mysql_store_result reads a whole result in
    // one call as long as the server keeps sending, which held the thread for hundreds of ms.
    streaming_ = mysql_use_result(conn_);
    if (streaming_ != nullptr) {
      MYSQL_RES* res = streaming_;
      if (first) read_mysql_columns(res, out);
      const std::size_t slice = rows_per_slice(mysql_num_fields(res));
      std::size_t in_slice = 0;
      in_progress_ = true;  // until the last row: cancel() sends KILL QUERY meanwhile
      for (;;) {
        MYSQL_ROW row = nullptr;
        const int status = mysql_fetch_row_start(&row, res);
        if (status != 0) {
          const auto more = [&](int events) { return mysql_fetch_row_cont(&row, res, events); };
          const bool done = co_await drive_from(status, more);
          if (!done) co_return lost(generation, "reading the result failed");
        }
        if (row == nullptr) break;                   // the last row, or an error
        if (first) append_mysql_row(res, row, out);  // later results are read and dropped
        if (++in_slice < slice) continue;
        in_slice = 0;
        std::optional<query_result> stop = co_await after_slice(generation, out);
        if (stop) co_return std::move(*stop);
      }
      in_progress_ = false;
      const bool failed = mysql_errno(conn_) != 0;
      if (failed) {
        query_result error = failure();
        release_streaming();
        co_return error;
      }
      release_streaming();
    } else if (mysql_field_count(conn_) != 0) {
      co_return failure();
    } else if (first) {
      out.affected_rows = mysql_affected_rows(conn_);
    }
    first = false;
    if (!mysql_more_results(conn_)) break;
    int next = 0;
    if (!co_await drive([&] { return mysql_next_result_start(&next, conn_); },
                        [&](int events) { return mysql_next_result_cont(&next, conn_, events); }))
      co_return lost(generation, "reading the next result failed");
    if (next > 0) co_return failure();
    if (next < 0) break;
  }
  co_return out;
}

awaitable<bool> mysql_connection::close_statement(MYSQL_STMT* handle) {
  my_bool closed = 0;
  co_return co_await drive(
      [&] { return mysql_stmt_close_start(&closed, handle); },
      [&](int events) { return mysql_stmt_close_cont(&closed, handle, events); });
}

awaitable<query_result> mysql_connection::execute(std::string_view name, std::string_view sql,
                                                  std::span<const value> params) {
  bool columns_changed = false;
  query_result r = co_await execute_once(name, sql, params, columns_changed);
  if (!columns_changed) co_return r;
  // The server ran the statement (prepared again on its side) and its answer was dropped: a
  // statement that only reads runs once more, prepared anew; another would do twice what it
  // does, so its caller is told.
  if (only_reads(sql)) {
    r = co_await execute_once(name, sql, params, columns_changed);
    if (!columns_changed) co_return r;
  }
  co_return ran_with_changed_columns();
}

awaitable<query_result> mysql_connection::execute_once(std::string_view name, std::string_view sql,
                                                       std::span<const value> params,
                                                       bool& columns_changed) {
  columns_changed = false;
  const std::uint64_t generation = generation_;
  if (!usable()) co_return lost(generation, "not connected");
  call_cancelled_ = false;
  auto it = statements_.find(name);
  if (it != statements_.end() && it->second.sql != sql) {
    // The name was registered again with another text (another client of the pool): the old
    // statement is closed and the new one prepared in its place.
    MYSQL_STMT* old = it->second.handle;
    statements_.erase(it);
    if (!co_await close_statement(old))
      co_return lost(generation, "closing the statement replaced failed");
    it = statements_.end();
  }
  if (it == statements_.end()) {
    MYSQL_STMT* handle = mysql_stmt_init(conn_);
    if (handle == nullptr) co_return lost(generation, "mysql_stmt_init failed");
    it = statements_.emplace(std::string(name), statement{handle, false, std::string(sql)}).first;
  }
  statement& s = it->second;
  if (!s.prepared) {
    MYSQL_STMT* handle = s.handle;
    int err = 0;
    if (!co_await drive(
            [&] { return mysql_stmt_prepare_start(&err, handle, sql.data(), sql.size()); },
            [&](int events) { return mysql_stmt_prepare_cont(&err, handle, events); }))
      co_return lost(generation, "preparing the statement failed");
    if (err != 0) {
      query_result r = failure(handle);
      statements_.erase(std::string(name));
      if (!co_await close_statement(handle))
        co_return lost(generation, "closing the failed statement failed");
      co_return r;
    }
    s.prepared = true;
  }
  query_result r = co_await run_statement(s, params, generation);
  if (r.ok() || generation != generation_ || mysql_stmt_errno(s.handle) != CR_NEW_STMT_METADATA)
    co_return r;
  columns_changed = true;
  MYSQL_STMT* old = s.handle;
  statements_.erase(it);
  if (!co_await close_statement(old))
    co_return lost(generation, "closing the statement whose columns changed failed");
  co_return r;
}

awaitable<query_result> mysql_connection::run_statement(statement& s, std::span<const value> params,
                                                        std::uint64_t generation) {
  MYSQL_STMT* handle = s.handle;
  if (mysql_stmt_param_count(handle) != params.size())
    co_return query_result(call_result::failure(
        errc::invalid_argument,
        wrong_parameter_count_message(mysql_stmt_param_count(handle), params.size())));
  if (std::optional<std::string> why = unsendable_parameter(params))
    co_return query_result(call_result::failure(errc::invalid_argument, std::move(*why)));
  mysql_stmt_params bound(params);
  if (bound.count() > 0 && mysql_stmt_bind_param(handle, bound.binds())) co_return failure(handle);
  int err = 0;
  if (!co_await drive([&] { return mysql_stmt_execute_start(&err, handle); },
                      [&](int events) { return mysql_stmt_execute_cont(&err, handle, events); }))
    co_return lost(generation, "executing the statement failed");
  if (err != 0) co_return failure(handle);
  query_result out;
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> metadata(
      mysql_stmt_result_metadata(handle), &mysql_free_result);
  if (!metadata) {
    out.affected_rows = mysql_stmt_affected_rows(handle);
    if (std::optional<query_result> failed = co_await skip_more_results(handle, generation))
      co_return std::move(*failed);
    co_return out;
  }
  std::optional<query_result> answer =
      co_await read_statement_result(handle, generation, metadata.get(), out, true);
  if (answer) co_return std::move(*answer);
  std::optional<query_result> failed = co_await skip_more_results(handle, generation);
  if (failed) co_return std::move(*failed);
  co_return out;
}

awaitable<std::optional<query_result>> mysql_connection::read_statement_result(
    MYSQL_STMT* handle, std::uint64_t generation, MYSQL_RES* metadata, query_result& out,
    bool keep) {
  std::string error;
  mysql_stmt_rows rows(handle, metadata, out);
  if (!rows.bind(error)) {
    broken_ = true;  // the rows are left unread: out of sync
    co_return query_result(call_result::failure(errc::protocol_error, error));
  }
  // Unbuffered, as collect() reads: each mysql_stmt_fetch is one library call for one row.
  const std::size_t slice = rows_per_slice(mysql_num_fields(metadata));
  std::size_t in_slice = 0;
  in_progress_ = true;  // until the last row: cancel() sends KILL QUERY meanwhile
  for (;;) {
    int fetched = 0;
    const int status = mysql_stmt_fetch_start(&fetched, handle);
    if (status != 0) {
      const auto more = [&](int events) { return mysql_stmt_fetch_cont(&fetched, handle, events); };
      const bool done = co_await drive_from(status, more);
      if (!done) co_return lost(generation, "reading the statement's rows failed");
    }
    if (fetched == MYSQL_NO_DATA) break;
    if (fetched == 1) {  // the server ended the result with an error (a KILL QUERY, ...)
      in_progress_ = false;
      co_return failure(handle);
    }
    if (!keep) out.rows.clear();
    if (!rows.read_row(error)) {
      broken_ = true;  // the rest is left unread: out of sync
      co_return query_result(call_result::failure(errc::protocol_error, error));
    }
    if (++in_slice < slice) continue;
    in_slice = 0;
    std::optional<query_result> stop = co_await after_slice(generation, out);
    if (stop) co_return std::move(*stop);
  }
  in_progress_ = false;
  my_bool freed = 0;  // every row read: nothing left to read
  if (!co_await drive(
          [&] { return mysql_stmt_free_result_start(&freed, handle); },
          [&](int events) { return mysql_stmt_free_result_cont(&freed, handle, events); }))
    co_return lost(generation, "releasing the statement's rows failed");
  co_return std::nullopt;
}

awaitable<std::optional<query_result>> mysql_connection::skip_more_results(
    MYSQL_STMT* handle, std::uint64_t generation) {
  // A CALL answers with its result sets and then a status: every one must be read before the
  // connection takes another statement ("commands out of sync" otherwise). The first result is
  // the call's, as with the text protocol.
  while (mysql_stmt_more_results(handle)) {
    int next = 0;
    if (!co_await drive(
            [&] { return mysql_stmt_next_result_start(&next, handle); },
            [&](int events) { return mysql_stmt_next_result_cont(&next, handle, events); }))
      co_return lost(generation, "reading the next result failed");
    if (next > 0) {
      broken_ = true;  // what follows is left unread: out of sync
      co_return failure(handle);
    }
    if (next < 0) break;
    if (mysql_stmt_field_count(handle) == 0) continue;
    // Read a row at a time as the first, and dropped.
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> metadata(
        mysql_stmt_result_metadata(handle), &mysql_free_result);
    if (!metadata) co_return lost(generation, "no metadata for the next result");
    query_result dropped;
    std::optional<query_result> answer =
        co_await read_statement_result(handle, generation, metadata.get(), dropped, false);
    if (answer) co_return answer;
  }
  co_return std::nullopt;
}

}  // namespace outpools::rdbms
