#include "drivers/rdbms/cpu_steps.hpp"

#include <openssl/ssl.h>

namespace outpools::rdbms {
namespace {

// OpenSSL registers its exit handler (OPENSSL_cleanup) when it is first initialised. Done here
// before the pool exists, that handler runs after the pool's destructor (exit handlers run in
// reverse order): the threads are joined first, and OpenSSL frees what they hold (a TLS
// handshake's error queue) as each ends. The other way round, OPENSSL_cleanup would remove its
// per-thread destructors while the threads still run, and their state would leak.
struct step_threads {
  bool openssl_initialised = OPENSSL_init_ssl(0, nullptr) == 1;
  boost::asio::thread_pool pool{2};
};

}  // namespace

boost::asio::thread_pool::executor_type cpu_steps() {
  static step_threads threads;
  return threads.pool.get_executor();
}

}  // namespace outpools::rdbms
