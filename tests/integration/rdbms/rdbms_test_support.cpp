#include "integration/rdbms/rdbms_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "outpools/config.hpp"

namespace outpools::testing {

const std::map<std::string, std::string>& services_env() {
  static const std::map<std::string, std::string> env = [] {
    std::map<std::string, std::string> out;
    const char* dir = std::getenv("OUTPOOLS_SERVICES_DIR");
    std::ifstream in(std::string(dir ? dir : "/tmp/outpools-services") + "/env");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("export ", 0) != 0) continue;
      std::size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      out[line.substr(7, eq - 7)] = line.substr(eq + 1);
    }
    return out;
  }();
  return env;
}

std::string service(const std::string& name) {
  auto it = services_env().find(name);
  if (it == services_env().end()) {
    ADD_FAILURE() << "no " << name << " in the services env file: run scripts/services start";
    return "";
  }
  return it->second;
}

int run_services(const std::string& action, const std::string& name) {
  std::string command = "bash " + service("OUTPOOLS_SERVICES_SCRIPT") + " " + action + " " + name;
  return std::system(command.c_str());
}

pool_spec spec_from_toml(const std::string& toml) {
  load_result r = load_config_string(toml, "test.toml", "/");
  for (const diagnostic& d : r.diagnostics)
    if (d.severity == diagnostic::level::error) ADD_FAILURE() << d.to_string();
  if (r.has_errors() || r.config.pools.size() != 1) {
    ADD_FAILURE() << "expected one pool in:\n" << toml;
    return {};
  }
  return r.config.pools.front();
}

std::string pgsql_toml(const std::string& pool_lines, const std::string& connection_lines,
                       const std::string& port_variable, const std::string& host) {
  return "[outgoing_pools.rdbms.default]\n" + pool_lines +
         "\n[outgoing_pools.rdbms.default.connection]\n"
         "driver = \"pgsql\"\n"
         "host = \"" +
         (host.empty() ? service("OUTPOOLS_PGSQL_HOST") : host) +
         "\"\n"
         "port = " +
         service(port_variable) +
         "\n"
         "database = \"" +
         service("OUTPOOLS_PGSQL_DATABASE") +
         "\"\n"
         "username = \"" +
         service("OUTPOOLS_PGSQL_USER") +
         "\"\n"
         "password = \"" +
         service("OUTPOOLS_PGSQL_PASSWORD") + "\"\n" + connection_lines + "\n";
}

std::string with_login(std::string toml, const std::string& user, const std::string& password) {
  for (const auto& [key, value] : {std::pair{"username", user}, std::pair{"password", password}}) {
    const std::string prefix = std::string(key) + " = \"";
    const std::size_t at = toml.find(prefix);
    if (at == std::string::npos) {
      ADD_FAILURE() << "no " << key << " line in the pool's TOML";
      continue;
    }
    const std::size_t end = toml.find('\n', at);
    toml.replace(at, end - at, prefix + value + "\"");
  }
  return toml;
}

void expect_refused_for_the_password(const pool_spec& spec, const std::string& wrong,
                                     const std::string& server_words) {
  rdbms_pool db(spec);
  rdbms::query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find(server_words), std::string::npos) << r.diagnostics;
  EXPECT_EQ(r.diagnostics.find(wrong), std::string::npos) << r.diagnostics;
  const std::string last = db.p->stats().last_connect_error;
  EXPECT_NE(last.find(server_words), std::string::npos) << last;
  EXPECT_EQ(last.find(wrong), std::string::npos) << last;
}

calls_meanwhile call_while_connecting(const pool& connecting, rdbms::client& other,
                                      std::chrono::seconds limit) {
  using clock_type = std::chrono::steady_clock;
  calls_meanwhile out;
  const auto start = clock_type::now();
  while (!connecting.wait_connected(std::chrono::milliseconds(0)) &&
         clock_type::now() - start < limit) {
    const auto t0 = clock_type::now();
    rdbms::query_result r = other.query("SELECT 1");
    EXPECT_TRUE(r.ok()) << r.diagnostics;
    out.longest = std::max(out.longest, clock_type::now() - t0);
    ++out.calls;
  }
  out.took = clock_type::now() - start;
  if (!connecting.wait_connected(std::chrono::milliseconds(0)))
    ADD_FAILURE() << "not connected within " << limit.count()
                  << " s: " << connecting.stats().last_connect_error;
  return out;
}

std::string as_certificate_user(std::string toml, const std::string& user_variable,
                                client_certificate certificate, const std::string& key_password) {
  const std::string user = "username = \"" + service(user_variable) + "\"";
  const std::size_t at = toml.find(user);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << user << " in the pool's TOML";
    return toml;
  }
  toml.replace(at, user.size(), "username = \"" + service("OUTPOOLS_TLS_CERT_USER") + "\"");
  if (certificate == client_certificate::none) return toml;
  if (certificate == client_certificate::key_in_certfile)
    return toml + "certfile = \"" + service("OUTPOOLS_TLS_CLIENT_CERT_WITH_KEY") + "\"\n";
  const bool encrypted = certificate == client_certificate::with_encrypted_key;
  toml += "certfile = \"" + service("OUTPOOLS_TLS_CLIENT_CERT") + "\"\nkeyfile = \"" +
          service(encrypted ? "OUTPOOLS_TLS_CLIENT_ENCRYPTED_KEY" : "OUTPOOLS_TLS_CLIENT_KEY") +
          "\"\n";
  if (encrypted) toml += "password = \"" + key_password + "\"\n";
  return toml;
}

void expect_connects_and_serves(const pool_spec& spec) {
  rdbms_pool db(spec);
  ASSERT_TRUE(db.p->wait_connected(std::chrono::seconds(10))) << db.p->stats().last_connect_error;
  rdbms::query_result r = db.client.query("SELECT 1");
  EXPECT_TRUE(r.ok()) << r.diagnostics;
}

void expect_a_wrong_number_of_values_is_refused_before_running(rdbms::client& c,
                                                               const std::string& table) {
  const rdbms::value one(std::int64_t{1}), two(std::int64_t{2});
  struct wrong_call {
    std::string sql;
    std::vector<rdbms::value> params;
    std::string says;
  };
  for (const wrong_call& w : {
           wrong_call{"INSERT INTO " + table + " (id) VALUES (?)",
                      {one, two},
                      "takes 1 parameter, 2 given"},
           wrong_call{"SELECT 1", {one}, "takes 0 parameters, 1 given"},
           wrong_call{"SELECT ?, ?", {one}, "takes 2 parameters, 1 given"},
       }) {
    rdbms::query_result r = c.query(w.sql, w.params);
    EXPECT_EQ(r.error, errc::invalid_argument) << w.sql << ": " << r.diagnostics;
    EXPECT_NE(r.diagnostics.find(w.says), std::string::npos) << w.sql << ": " << r.diagnostics;
  }
  rdbms::query_result count = c.query("SELECT COUNT(*) FROM " + table);
  ASSERT_TRUE(count.ok()) << count.diagnostics;
  EXPECT_EQ(count.rows.at(0).at(0), rdbms::value(std::int64_t{0})) << "a refused INSERT ran";
  // The same connection goes on serving calls with the right count.
  rdbms::query_result right = c.query("INSERT INTO " + table + " (id) VALUES (?)", {one});
  EXPECT_TRUE(right.ok()) << right.diagnostics;
}

void expect_a_name_registered_again_runs_its_new_text(const pool_spec& spec) {
  rdbms_pool db(spec);
  rdbms::client other(db.p);  // another part of the application, with its own registry
  const auto answer = [](rdbms::client& c) -> std::string {
    rdbms::query_result r = c.execute("answer", {});
    if (!r.ok()) return "error: " + r.diagnostics;
    return r.rows.empty() || r.rows[0].empty() ? "no row" : rdbms::to_text(r.rows[0][0]);
  };
  db.client.prepare("answer", "SELECT 1");
  EXPECT_EQ(answer(db.client), "1");
  other.prepare("answer", "SELECT 2");
  EXPECT_EQ(answer(other), "2") << "the connection ran the text it had prepared first";
  EXPECT_EQ(answer(db.client), "1");
  db.client.prepare("answer", "SELECT 3");
  EXPECT_EQ(answer(db.client), "3");
}

void expect_a_prepared_select_follows_its_table_altered(const pool_spec& spec,
                                                        const std::string& table, int stale_runs) {
  rdbms_pool db(spec), other(spec);
  other.client.query("DROP TABLE IF EXISTS " + table);
  ASSERT_TRUE(other.client.query("CREATE TABLE " + table + " (a BIGINT)").ok());
  ASSERT_TRUE(other.client.query("INSERT INTO " + table + " (a) VALUES (1)").ok());
  db.client.prepare("everything", "SELECT * FROM " + table);
  rdbms::query_result before = db.client.execute("everything", {});
  ASSERT_TRUE(before.ok()) << before.diagnostics;
  EXPECT_EQ(before.columns.size(), 1u);
  const std::uint64_t reconnects = db.p->stats().reconnects;
  rdbms::query_result altered = other.client.query("ALTER TABLE " + table + " ADD COLUMN b BIGINT");
  ASSERT_TRUE(altered.ok()) << altered.diagnostics;
  for (int run = 0; run < stale_runs + 2; ++run) {
    rdbms::query_result after = db.client.execute("everything", {});
    ASSERT_TRUE(after.ok()) << "run " << run << ": " << after.diagnostics;
    if (run < stale_runs && after.columns.size() == 1u) continue;
    ASSERT_EQ(after.columns.size(), 2u) << "run " << run;
    ASSERT_EQ(after.rows.size(), 1u);
    EXPECT_EQ(after.rows[0][0], rdbms::value(std::int64_t{1}));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(after.rows[0][1]));
    rdbms::query_result unrelated = db.client.query("SELECT 1");
    EXPECT_TRUE(unrelated.ok()) << unrelated.diagnostics;
  }
  EXPECT_EQ(db.p->stats().reconnects, reconnects) << "the connection was replaced";
  other.client.query("DROP TABLE " + table);
}

void expect_a_changed_answer_of_a_prepared_write_is_not_run_again(const pool_spec& spec,
                                                                  const std::string& table) {
  rdbms_pool db(spec), other(spec);
  other.client.query("DROP TABLE IF EXISTS " + table);
  ASSERT_TRUE(other.client.query("CREATE TABLE " + table + " (a BIGINT)").ok());
  db.client.prepare("add", "INSERT INTO " + table + " (a) VALUES (?) RETURNING *");
  const auto count = [&] {
    rdbms::query_result r = other.client.query("SELECT COUNT(*) FROM " + table);
    return r.ok() && !r.rows.empty() ? rdbms::to_text(r.rows[0][0]) : "error: " + r.diagnostics;
  };
  rdbms::query_result first = db.client.execute("add", {rdbms::value(std::int64_t{1})});
  ASSERT_TRUE(first.ok()) << first.diagnostics;
  EXPECT_EQ(first.columns.size(), 1u);
  ASSERT_TRUE(other.client.query("ALTER TABLE " + table + " ADD COLUMN b BIGINT").ok());
  rdbms::query_result changed = db.client.execute("add", {rdbms::value(std::int64_t{2})});
  EXPECT_EQ(changed.error, errc::protocol_error) << changed.diagnostics;
  EXPECT_NE(changed.diagnostics.find("the statement ran"), std::string::npos)
      << changed.diagnostics;
  EXPECT_EQ(count(), "2") << "run once, not twice";
  rdbms::query_result next = db.client.execute("add", {rdbms::value(std::int64_t{3})});
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(next.columns.size(), 2u);
  EXPECT_EQ(count(), "3");
  other.client.query("DROP TABLE " + table);
}

void expect_a_statement_ending_the_transaction_fails_it(const pool_spec& spec,
                                                        const std::string& table,
                                                        const std::string& ender,
                                                        std::int64_t rows_left) {
  rdbms_pool db(spec);
  db.client.query("DROP TABLE IF EXISTS " + table);
  ASSERT_TRUE(db.client.query("CREATE TABLE " + table + " (id BIGINT)").ok());
  auto first = std::make_shared<rdbms::query_result>();
  auto ended = std::make_shared<rdbms::query_result>();
  auto after = std::make_shared<rdbms::query_result>();
  call_result r = db.client.transaction_blocking(
      [=](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        *first = co_await tx.query("SELECT 1");  // a read first: the transaction is open
        co_await tx.query("INSERT INTO " + table + " (id) VALUES (1)");
        *ended = co_await tx.query(ender);
        *after = co_await tx.query("INSERT INTO " + table + " (id) VALUES (2)");
        co_return call_result::success();
      });
  EXPECT_TRUE(first->ok()) << first->diagnostics;
  EXPECT_EQ(r.error, errc::invalid_argument) << r.diagnostics;
  EXPECT_EQ(ended->error, errc::invalid_argument) << ended->diagnostics;
  EXPECT_NE(ended->diagnostics.find("ended the transaction"), std::string::npos)
      << ended->diagnostics;
  EXPECT_EQ(after->error, errc::invalid_argument) << after->diagnostics;
  EXPECT_NE(after->diagnostics.find("not sent"), std::string::npos) << after->diagnostics;
  rdbms::query_result count = db.client.query("SELECT COUNT(*) FROM " + table);
  ASSERT_TRUE(count.ok()) << count.diagnostics;
  EXPECT_EQ(rdbms::to_text(count.rows.at(0).at(0)), std::to_string(rows_left)) << ender;
  db.client.query("DROP TABLE " + table);
}

void expect_empty_bytes_are_not_null(rdbms::client& c, const std::string& echo_sql) {
  const std::vector<rdbms::value> empty{rdbms::bytes{}, rdbms::bytes{}};
  c.prepare("echo_bytes", echo_sql);
  for (bool prepared : {false, true}) {
    rdbms::query_result r = prepared ? c.execute("echo_bytes", empty) : c.query(echo_sql, empty);
    ASSERT_TRUE(r.ok()) << (prepared ? "execute: " : "query: ") << r.diagnostics;
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0][0], rdbms::value(rdbms::bytes{})) << "prepared: " << prepared;
    const rdbms::value& is_null = r.rows[0][1];
    EXPECT_TRUE(is_null == rdbms::value(false) || is_null == rdbms::value(std::int64_t{0}))
        << "prepared: " << prepared << ", IS NULL answered " << rdbms::to_text(is_null);
  }
}

void expect_refused_for_the_key_password(const pool_spec& spec, const std::string& wrong) {
  rdbms_pool db(spec);
  rdbms::query_result r = db.client.query("SELECT 1");
  EXPECT_EQ(r.error, errc::disconnected) << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("bad decrypt"), std::string::npos) << r.diagnostics;
  EXPECT_EQ(r.diagnostics.find(wrong), std::string::npos) << r.diagnostics;
  EXPECT_EQ(db.p->stats().last_connect_error.find(wrong), std::string::npos);
}

rdbms_pool::rdbms_pool(const pool_spec& spec, std::size_t thread_count)
    : threads(thread_count), p(pool::create(spec, threads, rdbms::driver_factory())), client(p) {}

rdbms_pool::~rdbms_pool() { p->stop(); }

restart_outcome restart_under_load(const pool_spec& spec, const std::string& service) {
  using clock_type = std::chrono::steady_clock;
  using namespace std::chrono_literals;
  restart_outcome out;
  rdbms_pool db(spec);
  if (!db.p->wait_connected(10s)) {
    ADD_FAILURE() << "the pool did not connect before the restart";
    return out;
  }
  const auto limit = 10 * spec.call_timeout.value_or(1000ms);
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, failures{0}, over_time{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      while (!stop) {
        auto start = clock_type::now();
        rdbms::query_result r = db.client.query("SELECT 1");
        if (clock_type::now() - start > limit) ++over_time;
        ++calls;
        if (!r.ok()) {
          ++failures;
          std::this_thread::sleep_for(5ms);
        }
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(run_services("stop", service), 0);
  std::this_thread::sleep_for(1000ms);
  out.failures_during_outage = failures.load();
  EXPECT_EQ(run_services("start", service), 0);
  const auto back = clock_type::now();
  out.whole_again = db.p->wait_connected(10s);
  out.recovered_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - back);
  stop = true;
  for (std::thread& t : callers) t.join();
  out.calls = calls.load();
  out.over_time = over_time.load();
  out.call_after_ok = db.client.query("SELECT 1").ok();
  return out;
}

void expect_survived_restart(const restart_outcome& r) {
  EXPECT_GT(r.failures_during_outage, 0) << "calls during the outage must fail, not hang";
  EXPECT_EQ(r.over_time, 0) << "no call may take past its call_timeout";
  EXPECT_TRUE(r.whole_again) << "the pool is whole again after the server's return";
  EXPECT_TRUE(r.call_after_ok);
  ::testing::Test::RecordProperty("recovered_ms", std::to_string(r.recovered_after.count()));
}

bool stops_running(rdbms_pool& observer, const std::string& count_sql, const std::string& like,
                   std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    rdbms::query_result r = observer.client.query(count_sql, {rdbms::value(like)});
    EXPECT_TRUE(r.ok()) << r.diagnostics;
    if (r.ok() && std::get<std::int64_t>(r.rows.at(0).at(0)) == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void expect_replaced_after_an_unanswered_cancel(rdbms_pool& db, const std::string& session_sql,
                                                const std::string& sleep_sql,
                                                const std::function<int()>& cancels_held) {
  rdbms::query_result before = db.client.query(session_sql);
  ASSERT_TRUE(before.ok()) << before.diagnostics;
  // Answered at 1.5 s; ends by itself at 2 s, its cancel request held.
  rdbms::query_result late = db.client.query(sleep_sql);
  EXPECT_EQ(late.error, errc::timeout) << late.diagnostics;
  rdbms::query_result after;
  for (int tries = 0; tries < 30 && !(after = db.client.query(session_sql)).ok(); ++tries) {
  }
  ASSERT_TRUE(after.ok()) << after.diagnostics;
  EXPECT_EQ(cancels_held(), 1);
  EXPECT_NE(after.rows.at(0).at(0), before.rows.at(0).at(0)) << "the connection was kept";
  EXPECT_GE(db.p->stats().reconnects, 1u);
}

void expect_the_stop_waits_for_its_cancel(rdbms_pool& db, rdbms_pool& observer,
                                          const std::string& count_sql,
                                          const std::string& sleep_sql, const std::string& like,
                                          std::chrono::milliseconds delay) {
  ASSERT_TRUE(db.p->wait_connected(std::chrono::seconds(10)));
  // The answer's promise outlives an early return (a failed assertion) of this function.
  auto promise = std::make_shared<std::promise<rdbms::query_result>>();
  std::future<rdbms::query_result> answer = promise->get_future();
  db.client.async_query(sleep_sql, {},
                        [promise](rdbms::query_result r) { promise->set_value(std::move(r)); });
  bool running = false;
  for (int tries = 0; tries < 100 && !running; ++tries) {
    rdbms::query_result r = observer.client.query(count_sql, {rdbms::value(like)});
    ASSERT_TRUE(r.ok()) << r.diagnostics;
    running = std::get<std::int64_t>(r.rows.at(0).at(0)) == 1;
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(running) << "the statement never ran";
  const auto before = std::chrono::steady_clock::now();
  db.p->stop();
  const auto stop_took = std::chrono::steady_clock::now() - before;
  EXPECT_TRUE(stops_running(observer, count_sql, like, delay / 2))
      << "the statement still ran after the stop returned (it took "
      << std::chrono::duration_cast<std::chrono::milliseconds>(stop_took).count() << " ms)";
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_EQ(answer.get().error, errc::shutting_down);
}

void expect_next_call_outside_the_transaction(rdbms_pool& db, const std::string& session_sql,
                                              const std::string& begin_sql,
                                              const std::string& probe_sql,
                                              const std::string& outside) {
  rdbms::query_result session = db.client.query(session_sql);
  ASSERT_TRUE(session.ok()) << session.diagnostics;
  ASSERT_TRUE(db.client.query(begin_sql).ok());
  rdbms::query_result r = db.client.query(probe_sql);
  ASSERT_TRUE(r.ok()) << r.diagnostics;
  EXPECT_EQ(rdbms::to_text(r.rows.at(0).at(0)), outside) << "it ran in the old transaction";
  EXPECT_EQ(r.rows.at(0).at(1), session.rows.at(0).at(0)) << "the connection was replaced";
  EXPECT_EQ(db.p->stats().reconnects, 0u);
}

void expect_no_statement_after_the_answer(rdbms_pool& db, const std::string& sleep_sql) {
  using namespace std::chrono_literals;
  auto late = std::make_shared<rdbms::query_result>();
  call_result answer = db.client.transaction_blocking(
      [late, sleep_sql](rdbms::transaction& tx) -> boost::asio::awaitable<call_result> {
        co_await tx.query("SELECT 1");
        // Not a statement (nothing to cancel on the server), past call_timeout.
        boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor, 800ms);
        co_await wait.async_wait(boost::asio::use_awaitable);
        *late = co_await tx.query(sleep_sql);
        co_return call_result::success();
      });
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_EQ(answer.error, errc::timeout) << answer.diagnostics;
  // The next call, again while the worker is still busy (each waits call_timeout at most).
  rdbms::query_result next;
  for (int tries = 0; tries < 30 && !(next = db.client.query("SELECT 7")).ok(); ++tries) {
  }
  const auto elapsed = std::chrono::steady_clock::now() - answered;
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(rdbms::to_text(next.rows.at(0).at(0)), "7");
  // The job ends about 500 ms after the answer (the rest of its wait, then ROLLBACK); a sent
  // sleep would hold the worker for seconds (pgsql gives the connection up 5 s after a cancel).
  EXPECT_LT(elapsed, 3s) << "the statement after the answer ran";
  EXPECT_EQ(late->error, errc::timeout) << late->diagnostics;
  EXPECT_NE(late->diagnostics.find("not sent"), std::string::npos) << late->diagnostics;
}

void run_rounds_of_timed_out_calls(rdbms_pool& db, int workers, int rounds,
                                   const std::string& sleep_sql) {
  using namespace std::chrono_literals;
  for (int round = 0; round < rounds; ++round) {
    const auto lost = static_cast<std::uint64_t>(round * workers);
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (db.p->stats().reconnects < lost && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    ASSERT_GE(db.p->stats().reconnects, lost) << "round " << round;
    ASSERT_TRUE(wait_all_connected(*db.p, 10s)) << "round " << round;
    std::vector<std::future<rdbms::query_result>> answers;
    for (int i = 0; i < workers; ++i)
      answers.push_back(std::async(std::launch::async, [&] { return db.client.query(sleep_sql); }));
    for (auto& a : answers) {
      rdbms::query_result r = a.get();
      EXPECT_EQ(r.error, errc::timeout) << r.diagnostics;
    }
  }
}

void expect_a_large_result_cut_at_call_timeout(rdbms_pool& db, const std::string& big_sql,
                                               std::chrono::milliseconds call_timeout,
                                               const std::string& prepared_name) {
  if (!prepared_name.empty()) db.client.prepare(prepared_name, big_sql);
  const auto start = std::chrono::steady_clock::now();
  rdbms::query_result r =
      prepared_name.empty() ? db.client.query(big_sql) : db.client.execute(prepared_name);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.error, errc::timeout) << r.diagnostics << " (" << r.rows.size() << " rows)";
  EXPECT_LT(elapsed, call_timeout + std::chrono::milliseconds(500))
      << "answered "
      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed - call_timeout).count()
      << " ms after call_timeout";
  rdbms::query_result next = db.client.query("SELECT 7");
  ASSERT_TRUE(next.ok()) << next.diagnostics;
  EXPECT_EQ(std::get<std::int64_t>(next.rows.at(0).at(0)), 7);
}

bool wait_reconnected(const pool& p, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (p.stats().reconnects == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return p.stats().reconnects > 0;
}

bool wait_all_connected(const pool& p, std::chrono::milliseconds limit) {
  return p.wait_connected(limit);
}

}  // namespace outpools::testing
