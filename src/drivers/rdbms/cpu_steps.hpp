// cpu_steps.hpp — a driver's CPU-bound steps, run off the I/O threads.
#pragma once

#include <boost/asio/thread_pool.hpp>

namespace outpools::rdbms {

/// The executor of a process-wide pool of two threads (one per core of the machines this runs
/// on) for a driver's steps that compute for milliseconds without waiting for I/O: libpq's
/// PQconnectPoll computes a SCRAM-SHA-256 client proof (PBKDF2 with the server's iteration
/// count: ~4 ms at PostgreSQL's 4096, seconds with a verifier made with more) or a TLS
/// handshake's key exchange (~2 ms) inside one call. On an I/O thread each such call holds up
/// every other handler there — the timers that end calls at call_timeout, the other pools'
/// workers — and a reconnect storm of a hundred workers queues them back to back. Work given
/// here must own, or have exclusive use of, everything it touches. The pool's threads are
/// joined at exit. Thread-safe.
boost::asio::thread_pool::executor_type cpu_steps();

}  // namespace outpools::rdbms
