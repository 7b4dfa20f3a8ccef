// mysql_side_connect.hpp — a mysql handshake run on a thread of its own, for when Connector/C
// must resolve the host name itself.
#pragma once

#include <mysql.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/rdbms/mysql/mysql_settings.hpp"

namespace outpools::rdbms {

/// One connection attempt of a MYSQL handle on a detached thread.
///
/// For a host name: with tls.verify_peer Connector/C checks the server's certificate against
/// the host it is given, so it must be given the name, and it then looks the name up itself
/// with a blocking getaddrinfo — on a worker's I/O thread that would stop every worker on it
/// for as long as the DNS takes. For TLS: Connector/C makes an SSL context per connection and
/// loads its CA file into it (the system trust store: ~30 ms of CPU here; a CA file of one
/// certificate: ~4 ms, the handshake included), which on an I/O thread holds up every other
/// handler there. Here the thread makes that lookup and the whole handshake, driving the
/// non-blocking API with poll(), bounded by the settings' connect_timeout from the end of the
/// lookup, and each address's TCP connect by its share (set_addresses). The handle is used by one
/// thread at a time: by this one until done() is true, then by whoever calls take(); the library's
/// coroutine for the handshake begins and ends on this thread (it is never resumed on another one).
///
/// Thread-safety: done(), take(), abandon() and set_addresses() may be called from any thread.
class mysql_side_connect {
 public:
  /// Starts the attempt on `handle` (made by mysql_new_handle with nonblocking = true; owned
  /// from here on) to `host`:settings.port. Null when no thread could be started (the handle
  /// is then closed).
  /// `attempt_deadline` is when the caller gives the attempt up (connect_timeout after it
  /// began, the lookup included).
  static std::shared_ptr<mysql_side_connect> start(
      std::shared_ptr<const mysql_settings> settings, MYSQL* handle, std::string host,
      std::chrono::steady_clock::time_point attempt_deadline) noexcept;

  /// True once the attempt has ended, connected or not (acquire: take() may follow).
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

  /// Once done() and unless abandoned: the handle, now the caller's (mysql_close), and whether
  /// it is connected (when not, mysql_errno and mysql_error on it say why). Null when the
  /// handshake did not finish within connect_timeout (the thread closed the handle), or when
  /// called before done(), after abandon() or twice.
  MYSQL* take(bool& connected) noexcept;

  /// Once done(): whether the attempt stopped at the server's greeting because it offers no
  /// TLS while the settings' tls table requires it without verify_peer (Connector/C, which
  /// enforces TLS only with verification, would have sent the login in plain text). Nothing
  /// was sent to the server then, and take() gives null.
  bool refused_a_server_without_tls() const noexcept { return server_without_tls_; }

  /// The caller gives the attempt up: the thread stops at its next wait and closes the handle
  /// (or the handle is closed here when the attempt has already ended and was not taken).
  void abandon() noexcept;

  /// The name's addresses (as text, in getaddrinfo's order), from a lookup of the caller's
  /// own that runs beside Connector/C's. From then on the TCP connect to each address but the
  /// last ends once its share of the attempt (tcp_connect_deadline, to `attempt_deadline`) is
  /// spent, and Connector/C goes on with the next: a silent address leaves the next its turn.
  void set_addresses(const std::vector<std::string>& addresses) noexcept;

 private:
  mysql_side_connect(std::shared_ptr<const mysql_settings> settings, MYSQL* handle,
                     std::string host, std::chrono::steady_clock::time_point attempt_deadline);
  // The thread's body: the handshake, then the hand-over (or the close, when abandoned).
  void run() noexcept;
  // poll() for the socket events of `status` (MYSQL_WAIT_*) until `until` at most: the events
  // that happened (as MYSQL_WAIT_*), 0 when none did by then, -1 when poll failed.
  int wait(int status, std::chrono::steady_clock::time_point until) const noexcept;
  // Ends the TCP connect under way (connect() to AF_UNSPEC: the library sees it fail and tries
  // its next address) once its share of the attempt is spent. When to look again (max: no
  // need, the connection is up or the address count is not known yet).
  std::chrono::steady_clock::time_point bound_tcp_connect() noexcept;

  const std::shared_ptr<const mysql_settings> settings_;
  const std::string host_;
  const std::chrono::steady_clock::time_point attempt_deadline_;
  std::mutex addresses_mutex_;         ///< guards address_families_ (set, then taken by the thread)
  std::vector<int> address_families_;  ///< AF_INET or AF_INET6 per address, in order
  std::atomic<bool> addresses_known_{false};
  // The thread's own: the socket Connector/C is connecting, by inode (a new socket per
  // address, perhaps with the same descriptor number), since when, and which of its family.
  std::vector<int> families_;  ///< address_families_, taken once known
  unsigned long socket_inode_ = 0;
  std::chrono::steady_clock::time_point socket_since_{};
  int socket_family_ = 0;       ///< its family (getsockname)
  std::size_t socket_nth_ = 0;  ///< how many sockets of that family came before it
  std::size_t inet_sockets_ = 0, inet6_sockets_ = 0;  ///< sockets seen, per family
  std::atomic<bool> done_{false};
  std::atomic<bool> abandoned_{false};
  std::mutex mutex_;  ///< guards the hand-over of handle_ between the thread and the caller
  MYSQL* handle_;
  bool connected_ = false;
  bool taken_ = false;
  bool server_without_tls_ = false;  ///< written by the thread before done_ (release)
};

}  // namespace outpools::rdbms
