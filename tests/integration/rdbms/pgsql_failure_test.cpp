// pgsql driver when things go wrong: statements past call_timeout, killed backends, a database
// restart under load, and TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/rdbms/rdbms_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;
using rdbms::value;
using clock_type = std::chrono::steady_clock;

// A TCP server on loopback that resets every connection it accepts (SO_LINGER 0, then close)
// once the client's first message came — so the client is waiting for the answer — on a
// thread of its own.
class resetting_server {
 public:
  resetting_server() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &n) != 0)
      ADD_FAILURE() << "cannot listen";
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 5) <= 0) continue;
        const int c = ::accept(listener_, nullptr, nullptr);
        if (c < 0) continue;
        pollfd first{c, POLLIN, 0};
        char bytes[256];
        if (::poll(&first, 1, 1000) > 0) (void)::recv(c, bytes, sizeof bytes, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the client waits by then
        const linger reset{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(c);
      }
    });
  }
  ~resetting_server() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The statements active on the server, seen from another connection.
const std::string count_sql =
    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND "
    "pid <> pg_backend_pid()";

TEST(pgsql_failure, statement_past_call_timeout_is_cancelled_on_the_server) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 200")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));

  auto start = clock_type::now();
  query_result r = db.client.query("SELECT pg_sleep(10) /* outpools-cancel-me */");
  auto elapsed = clock_type::now() - start;
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
  EXPECT_LT(elapsed, 2000ms) << "the sleep would end at 10 s";

  // The server stops running the statement (PQcancel), well before the sleep would end.
  EXPECT_TRUE(stops_running(observer, count_sql, "%outpools-cancel-me%"))
      << "the statement still runs on the server";

  // The next call on that (only) worker succeeds.
  query_result next = db.client.query("SELECT 7");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(next.rows[0][0]), 7);
}

// 3 M integers: sent by the server in about half a second, and a second or more of conversion
// in these test builds; a call_timeout of a second falls in the conversion.
// 3 M rows: about a second here, with ASan; the call_timeout is well below what a faster
// machine takes.
const std::string big_pgsql_result = "SELECT generate_series(1, 3000000) AS n";

TEST(pgsql_failure, a_result_too_large_for_call_timeout_is_cut_there) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 300")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  expect_a_large_result_cut_at_call_timeout(db, big_pgsql_result, 300ms);
  expect_a_large_result_cut_at_call_timeout(db, big_pgsql_result, 300ms, "big");
}

// The backend pid of `db`'s (one) connection; 0 after a failure (reported).
std::int64_t backend_pid(rdbms_pool& db) {
  query_result r = db.client.query("SELECT pg_backend_pid()");
  EXPECT_TRUE(r.ok()) << r.diagnostics;
  return r.ok() ? std::get<std::int64_t>(r.rows[0][0]) : 0;
}

// Has `observer` end the backend of `db` (pg_terminate_backend); returns its pid.
std::int64_t terminate_the_backend(rdbms_pool& db, rdbms_pool& observer) {
  const std::int64_t pid = backend_pid(db);
  query_result killed = observer.client.query("SELECT pg_terminate_backend($1::int)", {value(pid)});
  EXPECT_TRUE(killed.ok()) << killed.diagnostics;
  return pid;
}

// A call that leaves a transaction open (BEGIN, or an error inside one) does not hand it to the
// next caller: the worker rolls it back first, on the same connection.
TEST(pgsql_failure, a_transaction_left_open_by_a_call_is_rolled_back_before_the_next) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  expect_next_call_outside_the_transaction(db, "SELECT pg_backend_pid()", "BEGIN",
                                           "SELECT now() = statement_timestamp(), pg_backend_pid()",
                                           "true");
  // An error inside a transaction (25P02 for everything after it) is rolled back as well.
  ASSERT_TRUE(db.client.query("BEGIN; SELECT 1/0").error == errc::server_error);
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

// A backend ended by the server in the middle of a call: `disconnected`, with the SQLSTATE the
// server gave for it (57P01, admin shutdown) and its words; the worker reconnects.
TEST(pgsql_failure, a_backend_terminated_mid_call_is_disconnected_with_the_servers_sqlstate) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 10000")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  auto call = std::async(std::launch::async, [&] {
    return db.client.query("SELECT pg_sleep(8) /* outpools-terminate-me */");
  });
  const auto until = clock_type::now() + 5s;
  std::int64_t terminated = 0;
  while (terminated == 0 && clock_type::now() < until) {
    query_result t = observer.client.query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE "
        "'%outpools-terminate-' || 'me%' AND pid <> pg_backend_pid()");
    ASSERT_TRUE(t.ok()) << t.diagnostics;
    terminated = std::get<std::int64_t>(t.rows.at(0).at(0));
    if (terminated == 0) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(terminated, 1);
  query_result r = call.get();
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_EQ(r.sqlstate, "57P01") << r.diagnostics;
  // Worded as the server's error is, without libpq's guess that the server crashed.
  EXPECT_TRUE(
      r.diagnostics.starts_with("SQLSTATE 57P01: terminating connection due to administrator"))
      << r.diagnostics;
  EXPECT_EQ(r.diagnostics.find("abnormally"), std::string::npos) << r.diagnostics;
  ASSERT_TRUE(db.p->wait_connected(10s));
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
}

TEST(pgsql_failure, killed_backend_is_noticed_by_keepalive_and_replaced) {
  rdbms_pool db(spec_from_toml(
      pgsql_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100",
                 "keepalive_interval = 1")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::int64_t old_pid = terminate_the_backend(db, observer);

  // Without any call of ours, keepalive notices and the worker reconnects.
  EXPECT_TRUE(wait_reconnected(*db.p, 15s));
  // The status says why the connection went (what `outpools up` shows while it is down).
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("terminating connection"), std::string::npos) << why;
  ASSERT_TRUE(db.p->wait_connected(10s));
  EXPECT_NE(backend_pid(db), old_pid);
}

TEST(pgsql_failure, an_idle_connection_the_server_ended_is_replaced_before_any_call) {
  // No keepalive: the worker's idle check sees the server's farewell on the idle socket.
  rdbms_pool db(spec_from_toml(
      pgsql_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::int64_t old_pid = terminate_the_backend(db, observer);

  ASSERT_TRUE(wait_reconnected(*db.p, 10s))
      << "the ended connection was not noticed while idle";  // checked every second
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("the server closed the connection: FATAL:  terminating connection"),
            std::string::npos)
      << why;
  ASSERT_TRUE(db.p->wait_connected(10s));
  // The first call after it runs on the new connection: no call paid for the discovery.
  EXPECT_NE(backend_pid(db), old_pid);
  EXPECT_EQ(db.p->stats().calls.of(errc::disconnected), 0u);
}

TEST(pgsql_failure, notifications_on_an_idle_connection_keep_it) {
  // What a server may send unasked on a live connection is read and dropped, not mistaken for
  // its farewell.
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  ASSERT_TRUE(db.client.query("LISTEN outpools_idle_check").ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(observer.client.query("NOTIFY outpools_idle_check, 'hello'").ok());
    std::this_thread::sleep_for(1200ms);  // one idle check each
  }
  EXPECT_EQ(db.p->stats().reconnects, 0u) << db.p->stats().last_connect_error;
  query_result r = db.client.query("SELECT 1");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

TEST(pgsql_failure, a_hung_backend_is_noticed_by_keepalive_and_replaced) {
  // A backend that answers nothing (stopped) and closes nothing: only the keepalive ping, bounded
  // by call_timeout, can tell; then the worker gives the connection up at once and reconnects —
  // not after a cancel request's grace (connect_timeout, 5 s here), which a stopped backend
  // never honours.
  rdbms_pool db(spec_from_toml(pgsql_toml(
      "workers = 1\ncall_timeout = 300\nconnect_timeout = 5000\nreconnect_backoff_min = 20\n"
      "reconnect_backoff_max = 100",
      "keepalive_interval = 1")));
  rdbms_pool observer(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const auto old_pid = static_cast<pid_t>(backend_pid(db));
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(::kill(old_pid, SIGSTOP), 0) << "cannot stop the backend " << old_pid;
  struct resume_and_end {
    pid_t pid;
    rdbms_pool& observer;
    ~resume_and_end() {
      ::kill(pid, SIGCONT);
      observer.client.query("SELECT pg_terminate_backend($1::int)",
                            {value(static_cast<std::int64_t>(pid))});
    }
  } cleanup{old_pid, observer};

  const auto stopped = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_reconnected(*db.p, 15s)) << "the hung connection was kept";
  // keepalive_interval + call_timeout = 1.3 s; the grace would add 5 s.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 4s);
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("keepalive ping not answered within call_timeout (300 ms)"), std::string::npos)
      << why;
  ASSERT_TRUE(db.p->wait_connected(10s));
  EXPECT_NE(backend_pid(db), old_pid);
}

TEST(pgsql_failure, notices_go_to_the_result_not_to_stderr) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  ::testing::internal::CaptureStderr();
  query_result r = db.client.query("DROP TABLE IF EXISTS outpools_no_such_table");
  query_result raised =
      db.client.query("DO $$ BEGIN FOR i IN 1..150 LOOP RAISE NOTICE 'n%', i; END LOOP; END $$");
  const std::string printed = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.notices.size(), 1u);
  EXPECT_NE(r.notices[0].find("\"outpools_no_such_table\" does not exist, skipping"),
            std::string::npos)
      << r.notices[0];
  EXPECT_EQ(printed, "") << "libpq printed the notice itself";
  ASSERT_TRUE(raised.ok()) << raised.diagnostics;
  // At most 100 kept, and a last one says how many more there were.
  ASSERT_EQ(raised.notices.size(), 101u);
  EXPECT_EQ(raised.notices[0], "NOTICE:  n1");
  EXPECT_EQ(raised.notices[100], "(50 more notices not kept)");
  // The next statement starts with none.
  query_result next = db.client.query("SELECT 1");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_TRUE(next.notices.empty());
}

TEST(pgsql_failure, database_restart_under_load_fails_calls_in_time_and_recovers) {
  restart_outcome r = restart_under_load(
      spec_from_toml(pgsql_toml("workers = 4\ncall_timeout = 500\nconnect_timeout = 500\n"
                                "reconnect_backoff_min = 20\nreconnect_backoff_max = 200")),
      "postgres");
  expect_survived_restart(r);
}

// A server that resets the connection while it is made is named as such (libpq's words), not
// as an attempt "cancelled".
TEST(pgsql_failure, a_connection_reset_while_connecting_is_reported_as_such) {
  resetting_server server;
  std::string toml = pgsql_toml("workers = 1\ncall_timeout = 2000\nreconnect_backoff_min = 1000");
  const std::string real = "port = " + service("OUTPOOLS_PGSQL_PORT");
  toml.replace(toml.find(real), real.size(), "port = " + std::to_string(server.port()));
  rdbms_pool db(spec_from_toml(toml));
  query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  const std::string why = db.p->stats().last_connect_error;
  // Which of its words depends on when the reset comes (at libpq's send, or its read).
  EXPECT_TRUE(why.find("Connection reset by peer") != std::string::npos ||
              why.find("server closed the connection unexpectedly") != std::string::npos)
      << why;
  EXPECT_EQ(why.find("cancelled"), std::string::npos) << why;
}

// A role that logs in by password (scram-sha-256): libpq answers the server's SCRAM exchange
// with the pool's password, and a wrong one is refused in the server's words, never shown.
TEST(pgsql_failure, a_password_login_takes_the_right_password_and_refuses_a_wrong_one) {
  const std::string user = service("OUTPOOLS_PGSQL_SCRAM_USER");
  rdbms_pool db(spec_from_toml(
      with_login(pgsql_toml("workers = 2"), user, service("OUTPOOLS_PGSQL_SCRAM_PASSWORD"))));
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  query_result who = db.client.query("SELECT current_user");
  ASSERT_TRUE(who.ok()) << who.diagnostics;
  EXPECT_EQ(to_text(who.rows.at(0).at(0)), user);
  rdbms_pool admin(spec_from_toml(pgsql_toml("workers = 1")));  // pg_authid: superusers only
  query_result verifier = admin.client.query(
      "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = $1", {user});
  ASSERT_TRUE(verifier.ok()) << verifier.diagnostics;
  EXPECT_EQ(verifier.rows.at(0).at(0), value(true)) << "the login is not a SCRAM one";

  const std::string wrong = "not-the-password-7261";
  expect_refused_for_the_password(
      spec_from_toml(
          with_login(pgsql_toml("workers = 1\nreconnect_backoff_min = 1000"), user, wrong)),
      wrong, "password authentication failed for user \"" + user + "\"");
}

TEST(pgsql_failure, tls_with_the_right_ca_connects) {
  rdbms_pool db(spec_from_toml(
      pgsql_toml("workers = 1",
                 "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                 "cacertfile = \"" +
                     service("OUTPOOLS_TLS_CA") + "\"",
                 "OUTPOOLS_PGSQL_TLS_PORT", "localhost")));
  query_result r = db.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(std::get<bool>(r.rows[0][0]), true);
  // Idle for a few checks: TLS records the session reads later are no reason to reconnect.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(db.p->stats().reconnects, 0u) << db.p->stats().last_connect_error;
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
}

TEST(pgsql_failure, tls_versions_choose_the_protocol) {
  for (const auto& [versions, expected] :
       {std::pair<std::string, std::string>{"[\"tlsv1.2\"]", "TLSv1.2"},
        std::pair<std::string, std::string>{"[\"tlsv1.3\"]", "TLSv1.3"}}) {
    rdbms_pool db(spec_from_toml(
        pgsql_toml("workers = 1",
                   "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                   "cacertfile = \"" +
                       service("OUTPOOLS_TLS_CA") + "\"\nversions = " + versions,
                   "OUTPOOLS_PGSQL_TLS_PORT", "localhost")));
    query_result r =
        db.client.query("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    EXPECT_EQ(r.rows[0][0], value(expected)) << versions;
  }
}

TEST(pgsql_failure, tls_with_a_wrong_ca_is_refused_clearly) {
  rdbms_pool db(spec_from_toml(
      pgsql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                 "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                 "cacertfile = \"" +
                     service("OUTPOOLS_TLS_WRONG_CA") + "\"",
                 "OUTPOOLS_PGSQL_TLS_PORT", "localhost")));
  query_result r = db.client.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("certificate"), std::string::npos) << r.diagnostics;
}

// A pool of the TLS server's certificate user, with its client certificate or without.
pool_spec certificate_user_spec(client_certificate certificate,
                                const std::string& key_password = "") {
  return spec_from_toml(as_certificate_user(
      pgsql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                 "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                 "cacertfile = \"" +
                     service("OUTPOOLS_TLS_CA") + "\"",
                 "OUTPOOLS_PGSQL_TLS_PORT", "localhost"),
      "OUTPOOLS_PGSQL_USER", certificate, key_password));
}

TEST(pgsql_failure, tls_client_certificate_authenticates_the_user) {
  rdbms_pool db(certificate_user_spec(client_certificate::with_key));
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  query_result r = db.client.query(
      "SELECT current_user::text, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows[0][0], value(service("OUTPOOLS_TLS_CERT_USER")));
  EXPECT_EQ(r.rows[0][1], value("/CN=" + service("OUTPOOLS_TLS_CERT_USER")));
}

TEST(pgsql_failure, tls_a_certfile_holding_the_key_needs_no_keyfile) {
  expect_connects_and_serves(certificate_user_spec(client_certificate::key_in_certfile));
}

TEST(pgsql_failure, tls_an_encrypted_client_key_is_opened_with_tls_password) {
  expect_connects_and_serves(certificate_user_spec(client_certificate::with_encrypted_key,
                                                   service("OUTPOOLS_TLS_CLIENT_KEY_PASSWORD")));
}

TEST(pgsql_failure, tls_a_wrong_key_password_is_refused_without_showing_it) {
  const std::string wrong = "not-the-key-password";
  expect_refused_for_the_key_password(
      certificate_user_spec(client_certificate::with_encrypted_key, wrong), wrong);
}

// libpq would let OpenSSL ask for the key's password on the terminal (or read it from stdin)
// when tls.password is empty: from an I/O thread, a hang. The key is refused instead.
TEST(pgsql_failure, tls_an_empty_key_password_is_refused_without_asking_for_one) {
  ::testing::internal::CaptureStderr();
  query_result r;
  {
    rdbms_pool db(certificate_user_spec(client_certificate::with_encrypted_key, ""));
    r = db.client.query("SELECT 1");
  }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("private key"), std::string::npos) << r.diagnostics;
  EXPECT_EQ(printed.find("pass phrase"), std::string::npos) << printed;
}

TEST(pgsql_failure, tls_without_the_client_certificate_the_server_wants_is_refused_clearly) {
  rdbms_pool db(certificate_user_spec(client_certificate::none));
  query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("connection requires a valid client certificate"), std::string::npos)
      << r.diagnostics;
}

TEST(pgsql_failure, tls_required_refuses_a_server_without_tls) {
  rdbms_pool db(
      spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                                "[outgoing_pools.rdbms.default.connection.tls]\nrequired = true")));
  query_result r = db.client.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("SSL"), std::string::npos) << r.diagnostics;
}

}  // namespace
}  // namespace outpools::testing

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;

TEST(pgsql_failure, copy_is_refused_and_the_pool_keeps_serving) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 3000")));
  query_result out = db.client.query("COPY (SELECT 1) TO STDOUT");
  EXPECT_EQ(out.error, errc::invalid_argument) << out.diagnostics;
  query_result in = db.client.query("COPY pg_class FROM STDIN");
  EXPECT_FALSE(in.ok());
  query_result next = db.client.query("SELECT 2");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(next.rows[0][0]), 2);
}

TEST(pgsql_failure, a_transaction_past_call_timeout_is_not_committed) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 300")));
  // The table is made and dropped through a pool with the default call_timeout: on a loaded
  // machine DDL can take longer than 300 ms.
  rdbms_pool admin(spec_from_toml(pgsql_toml("workers = 1")));
  const std::string table = "outpools_late_tx_" + std::to_string(::getpid());
  ASSERT_TRUE(admin.client.query("DROP TABLE IF EXISTS " + table).ok());
  ASSERT_TRUE(admin.client.query("CREATE TABLE " + table + " (v int)").ok());
  call_result late = db.client.transaction_blocking(
      [&](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        co_await tx.query("INSERT INTO " + table + " VALUES (1)");
        // Something slow that is not a statement (PQcancel cannot stop it), past call_timeout.
        boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor, 800ms);
        co_await wait.async_wait(boost::asio::use_awaitable);
        co_return call_result::success();
      });
  EXPECT_EQ(late.error, errc::timeout);
  std::this_thread::sleep_for(1000ms);  // the transaction's job has finished by now
  // Read on the transaction's own connection (it would see its own row if the transaction were
  // left open), again if the worker was still busy with the rollback past 300 ms.
  query_result rows;
  for (int tries = 0; tries < 20 && !(rows = db.client.query("SELECT count(*) FROM " + table)).ok();
       ++tries)
    std::this_thread::sleep_for(250ms);
  ASSERT_TRUE(rows.ok()) << rows.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(rows.rows[0][0]), 0) << "a timed-out transaction committed";
  EXPECT_TRUE(admin.client.query("DROP TABLE " + table).ok());
}

// libpq refuses a statement of more than 65535 parameters before sending anything: the caller's
// error, and the connection stays.
TEST(pgsql_failure, a_statement_libpq_refuses_is_invalid_argument_and_keeps_the_connection) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  std::vector<value> too_many(70000, value(std::int64_t{1}));
  query_result r = db.client.query("SELECT $70000", too_many);  // as many markers as values
  EXPECT_EQ(r.error, errc::invalid_argument) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("65535"), std::string::npos) << r.diagnostics;
  query_result next = db.client.query("SELECT 1");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

TEST(pgsql_failure, a_transaction_answered_timeout_sends_no_more_statements) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 300")));
  expect_no_statement_after_the_answer(db, "SELECT pg_sleep(10)");
}

TEST(pgsql_failure, an_awaited_query_resumes_on_the_callers_executor) {
  rdbms_pool db(spec_from_toml(pgsql_toml("workers = 1")));
  boost::asio::io_context app;
  std::thread::id resumed_on;
  bool ok = false;
  boost::asio::co_spawn(
      app,
      [&]() -> boost::asio::awaitable<void> {
        query_result r = co_await db.client.async_query("SELECT 1", {}, boost::asio::use_awaitable);
        resumed_on = std::this_thread::get_id();
        ok = r.ok();
      },
      boost::asio::detached);
  app.run_for(10s);
  EXPECT_TRUE(ok);
  EXPECT_EQ(resumed_on, std::this_thread::get_id()) << "resumed on a pool thread";
}

}  // namespace
}  // namespace outpools::testing

namespace outpools::testing {
namespace {

TEST(pgsql_failure, an_unresolvable_host_fails_the_call_within_its_timeout) {
  rdbms_pool db(
      spec_from_toml(pgsql_toml("workers = 1\ncall_timeout = 2000\nconnect_timeout = 1000", "",
                                "OUTPOOLS_PGSQL_PORT", "no-such-host.invalid")));
  const auto start = std::chrono::steady_clock::now();
  query_result r = db.client.query("SELECT 1");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok());
  EXPECT_LT(elapsed, std::chrono::seconds(20)) << "10x call_timeout";
  EXPECT_TRUE(r.error == errc::disconnected || r.error == errc::timeout) << r.diagnostics;
}

}  // namespace
}  // namespace outpools::testing
