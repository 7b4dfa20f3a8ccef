// mysql driver when things go wrong: statements past call_timeout, killed connections, and TLS.
#include <gtest/gtest.h>
#include <unistd.h>
#include <filesystem>

#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "integration/rdbms/fake_mysql_server.hpp"
#include "integration/rdbms/mysql_test_support.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using rdbms::query_result;
using rdbms::value;
using clock_type = std::chrono::steady_clock;

// The statements running on the server, seen from another connection.
const std::string count_sql =
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND "
    "ID <> CONNECTION_ID()";

// A statement past call_timeout on the pool `db_toml` describes: cancelled on the server in
// time, and its worker's next call succeeds on the same connection.
void expect_killed_on_the_server(const std::string& db_toml) {
  rdbms_pool db(spec_from_toml(db_toml));
  rdbms_pool observer(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  ASSERT_TRUE(observer.p->wait_connected(10s));

  auto start = clock_type::now();
  query_result r = db.client.query("SELECT SLEEP(10) /* outpools-cancel-me */");
  auto elapsed = clock_type::now() - start;
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
  EXPECT_LT(elapsed, 2000ms) << "the sleep would end at 10 s";
  EXPECT_TRUE(stops_running(observer, count_sql, "%outpools-cancel-me%"))
      << "the statement still runs on the server";

  // The next call on that (only) worker succeeds, on the same connection (no reconnect).
  query_result next = db.client.query("SELECT 7");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(next.rows.at(0).at(0)), 7);
  EXPECT_EQ(db.p->stats().reconnects, 0u);

  // The same through a prepared statement.
  db.client.prepare("sleepy", "SELECT SLEEP(?) /* outpools-cancel-me-too */");
  start = clock_type::now();
  query_result prepared = db.client.execute("sleepy", {value(std::int64_t{10})});
  EXPECT_EQ(prepared.error, errc::timeout) << prepared.diagnostics;
  EXPECT_LT(clock_type::now() - start, 2000ms);
  EXPECT_TRUE(stops_running(observer, count_sql, "%outpools-cancel-me-too%"));
  query_result after = db.client.query("SELECT 8");
  ASSERT_TRUE(after.ok()) << after.diagnostics;
}

TEST(mysql_failure, statement_past_call_timeout_is_killed_on_the_server) {
  expect_killed_on_the_server(mysql_toml("workers = 1\ncall_timeout = 200"));
}

// Over TLS OpenSSL reads the socket itself: Connector/C had left it blocking after the
// connect, and a statement ran to its end (10 s) on the I/O thread, past call_timeout.
TEST(mysql_failure, statement_past_call_timeout_over_tls_is_killed_on_the_server) {
  expect_killed_on_the_server(mysql_toml("workers = 1\ncall_timeout = 200",
                                         mysql_tls_lines("OUTPOOLS_TLS_CA"),
                                         "OUTPOOLS_MYSQL_TLS_PORT", "localhost"));
  // A tls table without verify_peer connects on another path (its greeting read first).
  expect_killed_on_the_server(mysql_toml("workers = 1\ncall_timeout = 200",
                                         "[outgoing_pools.rdbms.default.connection.tls]\n",
                                         "OUTPOOLS_MYSQL_TLS_PORT"));
}

TEST(mysql_failure, a_result_too_large_for_call_timeout_is_cut_there) {
  // 2.5 M rows of two integers (the SEQUENCE engine): a second or more of conversion here, well
  // above the call_timeout even on a faster machine.
  const std::string big = "SELECT seq AS a, seq AS b FROM seq_1_to_2500000";
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 300")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  expect_a_large_result_cut_at_call_timeout(db, big, 300ms);
  expect_a_large_result_cut_at_call_timeout(db, big, 300ms, "big");
}

// The same when the large result is a CALL's second one, which is read and dropped (50 M rows:
// more than a second even unconverted).
TEST(mysql_failure, a_large_later_result_of_a_call_is_cut_at_call_timeout) {
  // The procedure is made and dropped with the default call_timeout: under load a CREATE
  // PROCEDURE alone took more than a second.
  rdbms_pool admin(spec_from_toml(mysql_toml("workers = 1")));
  const std::string procedure = "outpools_big_call_" + std::to_string(::getpid());
  query_result created = admin.client.query("CREATE OR REPLACE PROCEDURE " + procedure +
                                            "() BEGIN SELECT 1 AS n; SELECT seq AS a, seq AS b "
                                            "FROM seq_1_to_50000000; END");
  ASSERT_TRUE(created.ok()) << created.diagnostics;
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 1000")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  expect_a_large_result_cut_at_call_timeout(db, "CALL " + procedure + "()", 1000ms);
  expect_a_large_result_cut_at_call_timeout(db, "CALL " + procedure + "()", 1000ms, "big_call");
  admin.client.query("DROP PROCEDURE " + procedure);
}

TEST(mysql_failure, timeout_inside_a_transaction_rolls_it_back) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 300")));
  call_result tx = db.client.transaction_blocking(
      [](rdbms::transaction& t) -> boost::asio::awaitable<call_result> {
        co_await t.query("SELECT SLEEP(10)");
        co_return call_result::success();
      });
  EXPECT_EQ(tx.error, errc::timeout) << tx.diagnostics;
  // reset() rolled back: the worker is no longer inside a transaction.
  query_result r = db.client.query("SELECT @@in_transaction");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(std::int64_t{0}));
}

TEST(mysql_failure, a_transaction_answered_timeout_sends_no_more_statements) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 300")));
  expect_no_statement_after_the_answer(db, "SELECT SLEEP(10)");
}

// The id of `db`'s (one) connection; 0 after a failure (reported).
std::int64_t connection_id(rdbms_pool& db) {
  query_result r = db.client.query("SELECT CONNECTION_ID()");
  EXPECT_TRUE(r.ok()) << r.diagnostics;
  return r.ok() ? std::get<std::int64_t>(r.rows.at(0).at(0)) : 0;
}

// Has `observer` KILL the connection of `db`; returns its id.
std::int64_t kill_the_connection(rdbms_pool& db, rdbms_pool& observer) {
  const std::int64_t id = connection_id(db);
  query_result killed = observer.client.query("KILL ?", {value(id)});
  EXPECT_TRUE(killed.ok()) << killed.diagnostics;
  return id;
}

TEST(mysql_failure, killed_connection_is_noticed_by_keepalive_and_replaced) {
  rdbms_pool db(spec_from_toml(
      mysql_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100",
                 "keepalive_interval = 1")));
  rdbms_pool observer(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::int64_t old_id = kill_the_connection(db, observer);

  // Without any call of ours, keepalive notices and the worker reconnects.
  EXPECT_TRUE(wait_reconnected(*db.p, 15s));
  ASSERT_TRUE(db.p->wait_connected(10s));
  EXPECT_NE(connection_id(db), old_id);
}

// A connection the server ends with an error is `disconnected` with the server's SQLSTATE
// (it had none: only "connection lost (1927)"), and the worker reconnects.
TEST(mysql_failure, a_connection_the_server_kills_is_disconnected_with_its_sqlstate) {
  rdbms_pool db(spec_from_toml(
      mysql_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result r = db.client.query("KILL CONNECTION_ID()");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_EQ(r.sqlstate, "70100") << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("Connection was killed"), std::string::npos) << r.diagnostics;
  EXPECT_TRUE(wait_reconnected(*db.p, 10s));
  query_result next;
  for (int i = 0; i < 50 && !(next = db.client.query("SELECT 1")).ok(); ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(next.ok()) << next.diagnostics;
}

// A wrong password is refused in the server's words, and no message shows it.
TEST(mysql_failure, a_wrong_password_is_refused_without_showing_it) {
  const std::string wrong = "not-the-password-7261";
  expect_refused_for_the_password(
      spec_from_toml(with_login(mysql_toml("workers = 1\nreconnect_backoff_min = 1000"),
                                service("OUTPOOLS_MYSQL_USER"), wrong)),
      wrong, "Access denied for user '" + service("OUTPOOLS_MYSQL_USER") + "'");
}

TEST(mysql_failure, tls_with_the_right_ca_connects) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1", mysql_tls_lines("OUTPOOLS_TLS_CA"),
                                          "OUTPOOLS_MYSQL_TLS_PORT", "localhost")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result r = db.client.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  ASSERT_EQ(r.rows.size(), 1u);
  const std::string version = std::get<std::string>(r.rows[0].at(1));
  EXPECT_EQ(version.rfind("TLSv1.", 0), 0u) << "Ssl_version: " << version;
  // Idle for a few checks: TLS records the session reads later are no reason to reconnect.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(db.p->stats().reconnects, 0u) << db.p->stats().last_connect_error;
  EXPECT_TRUE(db.client.query("SELECT 1").ok());
}

// The cipher and protocol the TLS server says this connection uses, with `tls_lines` appended
// to the verified TLS table.
std::pair<std::string, std::string> negotiated(const std::string& tls_lines) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1",
                                          mysql_tls_lines("OUTPOOLS_TLS_CA") + "\n" + tls_lines,
                                          "OUTPOOLS_MYSQL_TLS_PORT", "localhost")));
  query_result r = db.client.query(
      "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN "
      "('Ssl_cipher', 'Ssl_version') ORDER BY VARIABLE_NAME");
  EXPECT_TRUE(r.ok()) << r.diagnostics;
  if (!r.ok() || r.rows.size() != 2) return {};
  return {std::get<std::string>(r.rows[0][0]), std::get<std::string>(r.rows[1][0])};
}

TEST(mysql_failure, tls_ciphers_and_versions_choose_what_is_negotiated) {
  // A TLS 1.3 suite (OpenSSL's separate list: passed along with the TLS 1.2 ones).
  EXPECT_EQ(negotiated("ciphers = \"TLS_AES_128_GCM_SHA256\""),
            std::make_pair(std::string("TLS_AES_128_GCM_SHA256"), std::string("TLSv1.3")));
  EXPECT_EQ(negotiated("ciphers = \"TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256\""),
            std::make_pair(std::string("TLS_CHACHA20_POLY1305_SHA256"), std::string("TLSv1.3")));
  // TLS 1.2 only, with one of its suites — also when TLS 1.3 suites are listed beside it.
  EXPECT_EQ(negotiated("ciphers = \"ECDHE-RSA-AES128-GCM-SHA256\"\nversions = [\"tlsv1.2\"]"),
            std::make_pair(std::string("ECDHE-RSA-AES128-GCM-SHA256"), std::string("TLSv1.2")));
  EXPECT_EQ(negotiated("ciphers = \"TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256\"\n"
                       "versions = [\"tlsv1.2\"]"),
            std::make_pair(std::string("ECDHE-RSA-AES128-GCM-SHA256"), std::string("TLSv1.2")));
}

TEST(mysql_failure, tls_with_a_wrong_ca_is_refused_clearly) {
  rdbms_pool db(spec_from_toml(mysql_toml(
      "workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
      mysql_tls_lines("OUTPOOLS_TLS_WRONG_CA"), "OUTPOOLS_MYSQL_TLS_PORT", "localhost")));
  query_result r = db.client.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;  // every worker down: last error
  EXPECT_NE(r.diagnostics.find("certificate"), std::string::npos) << r.diagnostics;
  RecordProperty("diagnostics", r.diagnostics);
  EXPECT_EQ(r.diagnostics.find(service("OUTPOOLS_MYSQL_PASSWORD") + "@"), std::string::npos);
}

// A pool of the TLS server's certificate user, with its client certificate or without.
pool_spec certificate_user_spec(client_certificate certificate,
                                const std::string& key_password = "") {
  return spec_from_toml(as_certificate_user(
      mysql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                 mysql_tls_lines("OUTPOOLS_TLS_CA"), "OUTPOOLS_MYSQL_TLS_PORT", "localhost"),
      "OUTPOOLS_MYSQL_USER", certificate, key_password));
}

TEST(mysql_failure, tls_client_certificate_authenticates_the_user) {
  rdbms_pool db(certificate_user_spec(client_certificate::with_key));
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  query_result r = db.client.query("SELECT CURRENT_USER()");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(r.rows.at(0).at(0), value(service("OUTPOOLS_TLS_CERT_USER") + "@%"));
}

TEST(mysql_failure, tls_a_certfile_holding_the_key_needs_no_keyfile) {
  expect_connects_and_serves(certificate_user_spec(client_certificate::key_in_certfile));
}

TEST(mysql_failure, tls_an_encrypted_client_key_is_opened_with_tls_password) {
  expect_connects_and_serves(certificate_user_spec(client_certificate::with_encrypted_key,
                                                   service("OUTPOOLS_TLS_CLIENT_KEY_PASSWORD")));
}

TEST(mysql_failure, tls_a_wrong_key_password_is_refused_without_showing_it) {
  const std::string wrong = "not-the-key-password";
  expect_refused_for_the_key_password(
      certificate_user_spec(client_certificate::with_encrypted_key, wrong), wrong);
}

TEST(mysql_failure, tls_without_the_client_certificate_the_server_wants_is_refused_clearly) {
  rdbms_pool db(certificate_user_spec(client_certificate::none));
  query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("Access denied for user '" + service("OUTPOOLS_TLS_CERT_USER")),
            std::string::npos)
      << r.diagnostics;
}

// A host name is resolved by the driver, asynchronously (Connector/C's own lookup would block
// the I/O thread), and the handshake goes to its addresses; errors name both.
TEST(mysql_failure, a_host_name_is_resolved_first_and_named_with_its_address) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1", "", "OUTPOOLS_MYSQL_PORT", "localhost")));
  ASSERT_TRUE(db.p->wait_connected(10s)) << db.p->stats().last_connect_error;
  EXPECT_TRUE(db.client.query("SELECT 1").ok());

  std::string refused = mysql_toml("workers = 1\ncall_timeout = 2000\nreconnect_backoff_min = 1000",
                                   "", "OUTPOOLS_MYSQL_PORT", "localhost");
  const std::string port_line = "port = " + service("OUTPOOLS_MYSQL_PORT") + "\n";
  refused.replace(refused.find(port_line), port_line.size(), "port = 1\n");
  rdbms_pool down(spec_from_toml(refused));
  query_result r = down.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("mysql connect to localhost ("), std::string::npos) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("):1 failed"), std::string::npos) << r.diagnostics;
}

// LOAD DATA LOCAL would let the server read any file of the client's machine: it is refused.
TEST(mysql_failure, load_data_local_infile_is_refused) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1\ncall_timeout = 5000")));
  const std::string table = "outpools_local_infile_" + std::to_string(::getpid());
  const std::filesystem::path file = std::filesystem::temp_directory_path() / (table + ".txt");
  std::ofstream(file) << "a line of a client file\n";
  ASSERT_TRUE(db.client.query("CREATE TABLE " + table + " (line TEXT)").ok());
  query_result r =
      db.client.query("LOAD DATA LOCAL INFILE '" + file.string() + "' INTO TABLE " + table);
  EXPECT_FALSE(r.ok()) << "the client file was sent";
  query_result count = db.client.query("SELECT COUNT(*) FROM " + table);
  EXPECT_TRUE(db.client.query("DROP TABLE " + table).ok());
  std::filesystem::remove(file);
  ASSERT_TRUE(count.ok()) << count.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(count.rows.at(0).at(0)), 0);
}

// A call that leaves a transaction open does not hand it to the next caller: rolled back first.
TEST(mysql_failure, a_transaction_left_open_by_a_call_is_rolled_back_before_the_next) {
  rdbms_pool db(spec_from_toml(mysql_toml("workers = 1")));
  expect_next_call_outside_the_transaction(db, "SELECT CONNECTION_ID()", "START TRANSACTION",
                                           "SELECT @@in_transaction, CONNECTION_ID()", "0");
}

TEST(mysql_failure, tls_is_refused_by_a_server_without_it) {
  rdbms_pool db(spec_from_toml(
      mysql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                 mysql_tls_lines("OUTPOOLS_TLS_CA"), "OUTPOOLS_MYSQL_PORT", "localhost")));
  query_result r = db.client.query("SELECT 1");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("SSL"), std::string::npos) << r.diagnostics;
  RecordProperty("diagnostics", r.diagnostics);
}

TEST(mysql_failure, a_tls_table_without_verify_peer_still_refuses_a_server_without_tls) {
  // Connector/C would go on in plain text here, despite MYSQL_OPT_SSL_ENFORCE.
  rdbms_pool db(spec_from_toml(
      mysql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000",
                 "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false",
                 "OUTPOOLS_MYSQL_PORT")));
  query_result r = db.client.query("SHOW STATUS LIKE 'Ssl_cipher'");
  EXPECT_FALSE(r.ok()) << "connected without TLS";
  EXPECT_EQ(db.p->stats().workers_connected, 0u);
  EXPECT_NE(r.diagnostics.find("does not offer TLS"), std::string::npos) << r.diagnostics;
}

// A pool on the fake server at `port`, with `connection_lines` added to its connection.
std::string fake_server_toml(int port, const std::string& connection_lines = "") {
  return "[outgoing_pools.rdbms.default]\nworkers = 1\ncall_timeout = 3000\n"
         "reconnect_backoff_min = 1000\n[outgoing_pools.rdbms.default.connection]\n"
         "driver = \"mysql\"\nhost = \"127.0.0.1\"\nport = " +
         std::to_string(port) +
         "\ndatabase = \"db\"\nusername = \"login_name\"\npassword = \"Secret-4-fake\"\n" +
         connection_lines;
}

// The same refusal, seen from the server: not a byte of the login (user name, scramble) is
// sent to a server whose greeting offers no TLS.
// A refused port is named as such with a tls table without verify_peer (whose greeting is
// read here before Connector/C answers it) as without one: Connector/C's "Can't connect", not a
// handshake lost to a socket error the greeting's peek took away.
TEST(mysql_failure, a_refused_port_is_named_as_such_with_a_tls_table_without_verify_peer) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);  // nothing listens there now
  const std::string closed = "port = " + std::to_string(ntohs(address.sin_port));
  for (const std::string& tls :
       {std::string(),
        std::string("[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false")}) {
    std::string toml =
        mysql_toml("workers = 1\ncall_timeout = 3000\nreconnect_backoff_min = 1000", tls);
    const std::string real = "port = " + service("OUTPOOLS_MYSQL_PORT");
    toml.replace(toml.find(real), real.size(), closed);
    rdbms_pool db(spec_from_toml(toml));
    query_result r = db.client.query("SELECT 1");
    EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
    const std::string why = db.p->stats().last_connect_error;
    EXPECT_NE(why.find("Can't connect to server on '127.0.0.1' (111)"), std::string::npos)
        << (tls.empty() ? "without" : "with") << " a tls table: " << why;
    EXPECT_EQ(why.find("handshake"), std::string::npos) << why;
  }
}

TEST(mysql_failure, a_tls_table_without_verify_peer_sends_nothing_to_a_server_without_tls) {
  fake_mysql_server server({.offers_tls = false});
  {
    rdbms_pool db(spec_from_toml(fake_server_toml(
        server.port(), "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false")));
    EXPECT_FALSE(db.client.query("SELECT 1").ok());
    const std::string why = db.p->stats().last_connect_error;
    EXPECT_NE(why.find("does not offer TLS (its greeting says so)"), std::string::npos) << why;
    EXPECT_NE(why.find("nothing was sent to it"), std::string::npos) << why;
  }
  EXPECT_GE(server.accepted(), 1);
  EXPECT_EQ(server.received(), "") << "the client answered a greeting without TLS";
}

// Without a tls table the greeting is answered (the server offers no TLS, none was asked for);
// the fake server then really sees the login, so the test above can fail.
TEST(mysql_failure, without_a_tls_table_the_login_goes_to_a_server_without_tls) {
  fake_mysql_server server({.offers_tls = false});
  {
    rdbms_pool db(spec_from_toml(fake_server_toml(server.port())));
    EXPECT_FALSE(db.client.query("SELECT 1").ok());
  }
  EXPECT_NE(server.received().find("login_name"), std::string::npos);
}

// A server (or whoever stands in for it) that asks for the password as it is
// (mysql_clear_password) does not get it without TLS to a verified server.
TEST(mysql_failure, a_switch_to_the_clear_password_plugin_is_refused_without_verified_tls) {
  fake_mysql_server server({.offers_tls = false, .asks_clear_password = true});
  std::string why;
  {
    rdbms_pool db(spec_from_toml(fake_server_toml(server.port())));
    EXPECT_FALSE(db.client.query("SELECT 1").ok());
    why = db.p->stats().last_connect_error;
  }
  EXPECT_NE(server.received().find("login_name"), std::string::npos) << "no login: no switch";
  EXPECT_EQ(server.received().find("Secret-4-fake"), std::string::npos)
      << "the password was sent in clear";
  EXPECT_EQ(server.answers_to_the_switch(), 0);
  EXPECT_NE(why.find("mysql_clear_password"), std::string::npos) << why;
}

// With tls.verify_peer a server may use the dialog plugin (MariaDB's PAM): it gets the password
// for its first password question. A question beyond it (a one-time code) is not answered:
// Connector/C's own prompt would print it on stdout and wait for the terminal, on the thread
// that connects (here the I/O thread: 127.0.0.1 is no name to look up), for ever.
TEST(mysql_failure, a_dialog_question_is_refused_with_its_text_never_asked_on_the_terminal) {
  int never_written[2];
  ASSERT_EQ(::pipe(never_written), 0);
  ASSERT_GE(::dup2(never_written[0], STDIN_FILENO), 0);  // what a terminal prompt would read
  const std::string ca = service("OUTPOOLS_TLS_CA");
  const std::string certs = ca.substr(0, ca.rfind('/'));
  fake_mysql_server server({.tls_certfile = certs + "/server.pem",
                            .tls_keyfile = certs + "/server.key",
                            .dialog_question = "\x02Verification code: "});
  std::string why;
  {
    rdbms_pool db(spec_from_toml(
        fake_server_toml(server.port(),
                         "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = true\n"
                         "cacertfile = \"" +
                             ca + "\"")));
    EXPECT_FALSE(db.client.query("SELECT 1").ok());
    why = db.p->stats().last_connect_error;
  }
  EXPECT_NE(why.find("dialog authentication asked \"Verification code:\""), std::string::npos)
      << why;
  EXPECT_NE(server.received().find("login_name"), std::string::npos) << "no login over TLS";
  EXPECT_EQ(server.answers_to_the_switch(), 0) << "the question was answered";
}

TEST(mysql_failure, a_tls_table_without_verify_peer_encrypts_with_a_tls_server) {
  rdbms_pool db(spec_from_toml(mysql_toml(
      "workers = 1", "[outgoing_pools.rdbms.default.connection.tls]\nverify_peer = false",
      "OUTPOOLS_MYSQL_TLS_PORT")));
  query_result r = db.client.query("SHOW STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_FALSE(rdbms::to_text(r.rows.at(0).at(1)).empty()) << "no cipher: not encrypted";
}

}  // namespace
}  // namespace outpools::testing

namespace outpools::testing {
namespace {

TEST(mysql_failure, an_idle_connection_the_server_ended_is_replaced_before_any_call) {
  // No keepalive: the worker's idle check sees the server end the idle connection.
  rdbms_pool db(spec_from_toml(
      mysql_toml("workers = 1\nreconnect_backoff_min = 20\nreconnect_backoff_max = 100")));
  rdbms_pool observer(spec_from_toml(mysql_toml("workers = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  const std::int64_t old_id = kill_the_connection(db, observer);

  ASSERT_TRUE(wait_reconnected(*db.p, 10s))
      << "the killed connection was not noticed while idle";  // checked every second
  const std::string why = db.p->stats().last_connect_error;
  EXPECT_NE(why.find("the server closed the connection"), std::string::npos) << why;
  ASSERT_TRUE(db.p->wait_connected(10s));
  EXPECT_NE(connection_id(db), old_id);
  EXPECT_EQ(db.p->stats().calls.of(errc::disconnected), 0u);
}

TEST(mysql_failure, a_hung_server_is_noticed_by_keepalive_and_the_pool_recovers) {
  // The server stopped (SIGSTOP): it answers nothing and closes nothing. Only the keepalive
  // ping, bounded by call_timeout, can tell; the connection is given up then, not after a KILL
  // QUERY's grace (connect_timeout, 2 s here).
  rdbms_pool db(spec_from_toml(mysql_toml(
      "workers = 1\ncall_timeout = 300\nconnect_timeout = 2000\nreconnect_backoff_min = 20\n"
      "reconnect_backoff_max = 100",
      "keepalive_interval = 1")));
  ASSERT_TRUE(db.p->wait_connected(10s));
  pid_t server = 0;
  std::ifstream(service("OUTPOOLS_SERVICES_DIR") + "/mariadb/pid") >> server;
  ASSERT_GT(server, 0) << "no pid file of the mariadb service";
  ASSERT_EQ(::kill(server, SIGSTOP), 0);
  struct resume {
    pid_t pid;
    ~resume() { ::kill(pid, SIGCONT); }
  } cleanup{server};

  // Noticed: the reason is on record until a reconnect attempt (timing out against the stopped
  // server) replaces it.
  const std::string expected = "keepalive ping not answered within call_timeout (300 ms)";
  const auto stopped = clock_type::now();
  const auto deadline = stopped + 15s;
  std::string why;
  while ((why = db.p->stats().last_connect_error).find(expected) == std::string::npos &&
         clock_type::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_NE(why.find(expected), std::string::npos) << "the hung connection was kept: " << why;
  // keepalive_interval + call_timeout = 1.3 s; the grace would add 2 s.
  EXPECT_LT(clock_type::now() - stopped, 2900ms);
  EXPECT_EQ(db.p->stats().workers_connected, 0u);
  ::kill(server, SIGCONT);
  ASSERT_TRUE(db.p->wait_connected(10s));
  query_result after = db.client.query("SELECT 1");
  ASSERT_TRUE(after.ok()) << after.diagnostics;
}

TEST(mysql_failure, database_restart_under_load_fails_calls_in_time_and_recovers) {
  restart_outcome r = restart_under_load(
      spec_from_toml(mysql_toml("workers = 4\ncall_timeout = 500\nconnect_timeout = 500\n"
                                "reconnect_backoff_min = 20\nreconnect_backoff_max = 200")),
      "mariadb");
  expect_survived_restart(r);
}

}  // namespace
}  // namespace outpools::testing
