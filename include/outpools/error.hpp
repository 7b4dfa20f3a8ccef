// outpools/error.hpp — the error codes every outpools operation reports.
#pragma once

#include <string_view>
#include <system_error>

namespace outpools {

/// Why an operation failed. Every call completes with one of these (or success) plus a
/// diagnostics string; the names below are also the keys used in JSON output.
enum class errc {
  timeout = 1,           ///< call_timeout elapsed before the result arrived
  no_available_workers,  ///< next_available_worker found no idle worker
  pool_not_found,        ///< no pool with that (type, host, tag), nor a global one
  disconnected,          ///< the connection is down (or every worker is backing off)
  dropped,               ///< pushed out of a full worker mailbox (max_worker_queue_len)
  shutting_down,         ///< the pool is stopping; the request was not run
  server_error,          ///< the server answered with an error (its message in the diagnostics)
  cancelled,             ///< the caller cancelled the operation
  invalid_argument,      ///< the request itself is malformed
  protocol_error,        ///< the server's answer could not be understood
  tls_error,             ///< the TLS handshake or certificate verification failed
  job_failed,            ///< a generic job threw or reported a failure
};

/// The category of outpools::errc. Thread-safe; the object lives for the whole program.
const std::error_category& error_category() noexcept;

/// Makes an std::error_code of outpools' category. Thread-safe.
std::error_code make_error_code(errc e) noexcept;

/// The short machine name of a code ("timeout", "no_available_workers", ...); "unknown" for
/// values outside the enumeration. Thread-safe.
std::string_view errc_name(errc e) noexcept;

}  // namespace outpools

template <>
struct std::is_error_code_enum<outpools::errc> : std::true_type {};
