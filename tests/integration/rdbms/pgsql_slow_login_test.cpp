// pgsql log-ins that compute for seconds (a SCRAM verifier made with many iterations) run their
// PQconnectPoll off the I/O thread: the other pools there go on being served meanwhile.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <string>

#include "integration/rdbms/rdbms_test_support.hpp"
#include "outpools/rdbms/client.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A SCRAM-SHA-256 verifier of `password` with `iterations` (RFC 5802 and 7677; the text
// PostgreSQL stores in pg_authid.rolpassword and takes in ALTER ROLE ... PASSWORD).
std::string scram_verifier(const std::string& password, int iterations) {
  std::array<unsigned char, 16> salt{};
  RAND_bytes(salt.data(), static_cast<int>(salt.size()));
  std::array<unsigned char, SHA256_DIGEST_LENGTH> salted{}, client_key{}, stored_key{},
      server_key{};
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), salted.size(),
                    salted.data());
  unsigned int length = 0;
  HMAC(EVP_sha256(), salted.data(), salted.size(),
       reinterpret_cast<const unsigned char*>("Client Key"), 10, client_key.data(), &length);
  SHA256(client_key.data(), client_key.size(), stored_key.data());
  HMAC(EVP_sha256(), salted.data(), salted.size(),
       reinterpret_cast<const unsigned char*>("Server Key"), 10, server_key.data(), &length);
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + base64(salt.data(), salt.size()) +
         "$" + base64(stored_key.data(), stored_key.size()) + ":" +
         base64(server_key.data(), server_key.size());
}

TEST(pgsql_slow_login, a_login_computing_for_seconds_holds_up_no_other_pool_of_its_thread) {
  const std::string user = service("OUTPOOLS_PGSQL_SCRAM_SLOW_USER");
  const std::string password = "slow-scram-pw";
  // About a second of PBKDF2 for the client (libpq computes it once per log-in).
  const auto made = clock_type::now();
  const std::string verifier = scram_verifier(password, 800'000);
  const auto pbkdf2 = clock_type::now() - made;
  {
    rdbms_pool admin(spec_from_toml(pgsql_toml("workers = 1")));
    rdbms::query_result r =
        admin.client.query("DO $$ BEGIN CREATE ROLE " + user +
                           " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    r = admin.client.query("ALTER ROLE " + user + " PASSWORD '" + verifier + "'");
    ASSERT_TRUE(r.ok()) << r.diagnostics;
  }

  io_threads one(1);  // both pools on one I/O thread
  auto other = pool::create(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 1000")), one,
                            rdbms::driver_factory());
  rdbms::client other_client(other);
  ASSERT_TRUE(other->wait_connected(10s));
  auto slow = pool::create(spec_from_toml(with_login(
                               pgsql_toml("workers = 1\nconnect_timeout = 60000"), user, password)),
                           one, rdbms::driver_factory());
  const calls_meanwhile seen = call_while_connecting(*slow, other_client);
  ASSERT_TRUE(slow->wait_connected(0ms));
  const auto login = seen.took;
  RecordProperty(
      "pbkdf2_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(pbkdf2).count()));
  RecordProperty(
      "login_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(login).count()));
  EXPECT_GT(login, pbkdf2 / 2) << "the log-in did not compute the proof: the test proves nothing";
  EXPECT_GT(seen.calls, 1);
  // Each call is one round trip (~1 ms); held up by the proof it would take about pbkdf2.
  EXPECT_LT(seen.longest, 1000ms) << "a call of the other pool waited for the log-in's computation";
  rdbms::client slow_client(slow);
  rdbms::query_result who = slow_client.query("SELECT current_user");
  ASSERT_TRUE(who.ok()) << who.diagnostics;
  EXPECT_EQ(rdbms::to_text(who.rows.at(0).at(0)), user);
  slow->stop();
  other->stop();
}

}  // namespace
}  // namespace outpools::testing
