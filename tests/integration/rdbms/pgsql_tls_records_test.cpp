// pgsql over TLS from a server that writes its answers in records of 16 KiB (PostgreSQL 17's
// large messages, proxies, other servers of PostgreSQL's protocol), through a proxy that ends the
// TLS itself in front of the plain server. libpq 15 reads at most the room left in its buffer: the
// rest of such a record stays inside OpenSSL, and the socket, already read, never wakes us for it.
#include <gtest/gtest.h>

#include "integration/rdbms/large_tls_record_proxy.hpp"
#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {
namespace {

using rdbms::query_result;

// The directory of the test CA, which scripts/services also holds the server's certificate in.
std::string certs_dir() {
  const std::string ca = service("OUTPOOLS_TLS_CA");
  return ca.substr(0, ca.rfind('/'));
}

TEST(pgsql_tls_records, answers_ending_in_a_full_record_are_read_to_their_end) {
  large_tls_record_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")),
                               certs_dir() + "/server.pem", certs_dir() + "/server.key");
  std::string toml = pgsql_toml("workers = 1\ncall_timeout = 2000",
                                "[outgoing_pools.rdbms.default.connection.tls]\nrequired = true");
  const std::string real = "port = " + service("OUTPOOLS_PGSQL_PORT");
  toml.replace(toml.find(real), real.size(), "port = " + std::to_string(proxy.port()));
  rdbms_pool db(spec_from_toml(toml));
  // Answers of 17 to 50 KiB in rows of about 110 bytes: each leaves another part of a row in
  // libpq's buffer when its last record arrives.
  for (std::int64_t rows = 150; rows < 450; rows += 7) {
    query_result r =
        db.client.query("SELECT repeat('x', 100) FROM generate_series(1, $1::int)", {rows});
    ASSERT_TRUE(r.ok()) << rows << " rows: " << r.diagnostics;
    EXPECT_EQ(r.rows.size(), static_cast<std::size_t>(rows));
  }
  EXPECT_GE(proxy.full_records_written(), 40);
}

}  // namespace
}  // namespace outpools::testing
