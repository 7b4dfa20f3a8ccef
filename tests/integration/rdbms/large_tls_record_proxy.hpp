// large_tls_record_proxy.hpp — a proxy on loopback that ends the TLS of PostgreSQL clients
// itself and talks plain to a PostgreSQL server behind it, sending each answer of the server in
// TLS records of the largest size (16 KiB), as servers speaking PostgreSQL's protocol other than
// PostgreSQL 15's own may do. PostgreSQL 15 writes at most 8 KiB per record, which libpq reads
// whole; a larger record can be read in part, its rest kept inside OpenSSL while the socket has
// nothing more to read. For the tests that such an answer is still read to its end.
#pragma once

#include <memory>
#include <string>

namespace outpools::testing {

/// Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`target_port` (a server
/// without TLS), with a thread of its own. A client must ask for TLS (SSLRequest); it gets the
/// certificate `certfile` with its key `keyfile`. The server's answer is gathered up to its
/// ReadyForQuery (or an authentication request) and written so that its last TLS record is a
/// full 16 KiB. Destroying the proxy closes every connection.
class large_tls_record_proxy {
 public:
  large_tls_record_proxy(int target_port, const std::string& certfile, const std::string& keyfile);
  ~large_tls_record_proxy();
  large_tls_record_proxy(const large_tls_record_proxy&) = delete;
  large_tls_record_proxy& operator=(const large_tls_record_proxy&) = delete;
  int port() const;
  /// Answers written so far whose last record was a full 16 KiB. Thread-safe.
  int full_records_written() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace outpools::testing
