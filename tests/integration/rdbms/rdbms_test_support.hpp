// rdbms_test_support.hpp — what the rdbms integration tests share: the servers' addresses (from
// the env file scripts/services writes), pool specs built through the real config loader, and
// a started pool.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "outpools/io_threads.hpp"
#include "outpools/pool.hpp"
#include "outpools/pool_spec.hpp"
#include "outpools/rdbms/client.hpp"

namespace outpools::testing {

/// The `export NAME=VALUE` lines of $OUTPOOLS_SERVICES_DIR/env (default
/// /tmp/outpools-services/env). Fails the calling test (ADD_FAILURE) when the file is missing.
const std::map<std::string, std::string>& services_env();

/// The value of `name` in services_env(), or "" (after ADD_FAILURE).
std::string service(const std::string& name);

/// Runs `scripts/services ACTION NAME` and returns its exit code.
int run_services(const std::string& action, const std::string& name);

/// The single pool_spec of the TOML text `toml` (must be valid: failures are reported through
/// ADD_FAILURE with the diagnostics). `base_dir` resolves relative tls paths.
pool_spec spec_from_toml(const std::string& toml);

/// `[outgoing_pools.rdbms.default]` with the given pool options (TOML lines) and a pgsql
/// connection to the plain server (extra connection lines appended; `host` replaces the
/// server's address, e.g. "localhost" to match a certificate).
std::string pgsql_toml(const std::string& pool_lines, const std::string& connection_lines = "",
                       const std::string& port_variable = "OUTPOOLS_PGSQL_PORT",
                       const std::string& host = "");

/// `toml` (from pgsql_toml or mysql_toml) with the connection's `username` and `password`
/// lines replaced by `user` and `password`.
std::string with_login(std::string toml, const std::string& user, const std::string& password);

/// Asserts that a pool of `spec`, whose login's password `wrong` is wrong, is refused: its calls
/// and its last connect error say `disconnected` with `server_words` (the server's refusal), and
/// no message shows `wrong`.
void expect_refused_for_the_password(const pool_spec& spec, const std::string& wrong,
                                     const std::string& server_words);

/// What another pool's calls saw while `connecting` came up: `SELECT 1` through `other` (each
/// expected to succeed), again and again until every worker of `connecting` is connected —
/// at most `limit`; ADD_FAILURE when it did not come up by then.
struct calls_meanwhile {
  int calls = 0;
  std::chrono::steady_clock::duration longest{};  ///< the slowest of them
  std::chrono::steady_clock::duration took{};     ///< until `connecting` was up
};
calls_meanwhile call_while_connecting(const pool& connecting, rdbms::client& other,
                                      std::chrono::seconds limit = std::chrono::seconds(60));

/// What as_certificate_user() puts in the TLS table.
enum class client_certificate {
  none,
  with_key,            ///< certfile and keyfile
  with_encrypted_key,  ///< certfile, the encrypted keyfile and tls.password = key_password
  key_in_certfile,     ///< a certfile that holds the key too, no keyfile
};

/// `toml` (from pgsql_toml or mysql_toml) connecting as the TLS servers' certificate user
/// (OUTPOOLS_TLS_CERT_USER, who logs in by a client certificate of the test CA) instead of the
/// user in `user_variable`, with `certificate`'s lines appended to `toml` (which must end in its
/// tls table).
std::string as_certificate_user(std::string toml, const std::string& user_variable,
                                client_certificate certificate,
                                const std::string& key_password = "");

/// On a pool of one worker (`spec`): two clients register the same statement name with other
/// texts, and each execute runs the text its client registered last, on the same connection.
void expect_a_name_registered_again_runs_its_new_text(const pool_spec& spec);

/// On a pool of one worker (`spec`), with a table `table` of its own (made and dropped here): a
/// prepared `SELECT *` of it runs, the table gains a column (ALTER TABLE from another pool), and
/// the statement then answers with both columns — run again by the driver where the server
/// answered with columns the library could not read; an unrelated SELECT 1 on the same
/// connection succeeds, and the connection was never replaced. The first `stale_runs` runs
/// after the change may still answer with the old column.
void expect_a_prepared_select_follows_its_table_altered(const pool_spec& spec,
                                                        const std::string& table,
                                                        int stale_runs = 0);

/// mysql and MariaDB ODBC, on a pool of one worker (`spec`), with a table `table` of its own: a
/// prepared `INSERT ... RETURNING *` runs; the table gains a column; its next run inserts its
/// row once (it is not run again, as a SELECT would be) and answers `protocol_error` saying it
/// ran; the run after that succeeds.
void expect_a_changed_answer_of_a_prepared_write_is_not_run_again(const pool_spec& spec,
                                                                  const std::string& table);

/// On a pool of `spec`, with a table `table` of its own: a transaction's function inserts a row,
/// runs `ender` (a COMMIT, a ROLLBACK, a DDL MySQL commits implicitly), then tries a second
/// insert. `ender` answers `invalid_argument` ("ended the transaction"), the second insert is not
/// sent, the call fails with `invalid_argument`, and the table then holds `rows_left` rows.
void expect_a_statement_ending_the_transaction_fails_it(const pool_spec& spec,
                                                        const std::string& table,
                                                        const std::string& ender,
                                                        std::int64_t rows_left);

/// Through `c`: an empty bytes value is not NULL — `echo_sql` (one `?` marker, selected as
/// binary, and a second one tested `IS NULL`) answers empty bytes and false (or 0) through
/// query() and through a prepared execute().
void expect_empty_bytes_are_not_null(rdbms::client& c, const std::string& echo_sql);

/// Through `c`, on `table` (empty, with a BIGINT column `id`): an INSERT of one `?` value given
/// two values, `SELECT 1` given one and `SELECT ?, ?` given one are each answered
/// `invalid_argument` with both counts ("takes 1 parameter, 2 given"), and nothing ran: the
/// table is still empty.
void expect_a_wrong_number_of_values_is_refused_before_running(rdbms::client& c,
                                                               const std::string& table);

/// Asserts that a pool of `spec` connects (every worker, within 10 s) and runs SELECT 1.
void expect_connects_and_serves(const pool_spec& spec);

/// Asserts that a pool of `spec`, whose encrypted key's password `wrong` is wrong, is refused
/// with OpenSSL's "bad decrypt" and that no message shows `wrong`.
void expect_refused_for_the_key_password(const pool_spec& spec, const std::string& wrong);

/// An I/O context set and a started rdbms pool, stopped at destruction.
struct rdbms_pool {
  explicit rdbms_pool(const pool_spec& spec, std::size_t threads = 2);
  ~rdbms_pool();
  io_threads threads;
  std::shared_ptr<pool> p;
  rdbms::client client;
};

/// What happened when `service` (a name of scripts/services) was stopped for a second and started
/// again while 4 threads called `SELECT 1` through a pool of `spec` in a loop.
struct restart_outcome {
  long calls = 0;
  long failures_during_outage = 0;  ///< calls that completed with an error while it was down
  long over_time = 0;               ///< calls that took more than 10x the spec's call_timeout
  bool whole_again = false;         ///< every worker connected within 10 s of the restart
  std::chrono::milliseconds recovered_after{0};
  bool call_after_ok = false;  ///< a call after the recovery succeeded
};
restart_outcome restart_under_load(const pool_spec& spec, const std::string& service);

/// What a restart must give: calls during the outage fail (none hangs past 10x call_timeout),
/// the pool is whole again, and the next call succeeds. Records recovered_ms in the test's output.
void expect_survived_restart(const restart_outcome& r);

/// Waits until `count_sql` — a COUNT(*) of the server's running statements whose text matches
/// the LIKE pattern given as its one parameter, excluding the observer's own — run through
/// `observer` says none matches `like`; at most `limit`. True when none runs any more.
bool stops_running(rdbms_pool& observer, const std::string& count_sql, const std::string& like,
                   std::chrono::milliseconds limit = std::chrono::seconds(5));

/// The rule that a transaction lives within one call, on `db` (one worker): after a call of
/// `begin_sql` alone, the next call, `probe_sql`, runs outside that transaction and on the same
/// connection. `probe_sql` gives one row: a value whose text is `outside` only outside a
/// transaction, then the session's id (as `session_sql` gives it).
void expect_next_call_outside_the_transaction(rdbms_pool& db, const std::string& session_sql,
                                              const std::string& begin_sql,
                                              const std::string& probe_sql,
                                              const std::string& outside);

/// A transaction through `db` (one worker, call_timeout 300 ms) that is still running when its
/// caller is answered `timeout` sends nothing more: its next statement, `sleep_sql` (a 10 s
/// sleep), is refused with `timeout` at once, and the worker serves the next call long before
/// the sleep would have ended.
void expect_no_statement_after_the_answer(rdbms_pool& db, const std::string& sleep_sql);

/// Through `db` (one worker, call_timeout 1500 ms, connect_timeout 1000 ms, its cancel requests
/// held unanswered by a proxy whose count of them `cancels_held` gives): `sleep_sql` (a 2 s
/// sleep) is answered `timeout` and ends by itself while its cancel request is unanswered; the
/// connection is then replaced, not served again (`session_sql` gives another session's id),
/// since the late request could cancel the next caller's statement.
void expect_replaced_after_an_unanswered_cancel(rdbms_pool& db, const std::string& session_sql,
                                                const std::string& sleep_sql,
                                                const std::function<int()>& cancels_held);

/// Stops the pool of `db` (one worker, a call_timeout far longer than the test) while
/// `sleep_sql` (a statement of many seconds whose text matches the LIKE pattern `like`) runs on
/// it, as seen by `observer` through `count_sql` (as for stops_running), its cancel requests
/// travelling through a proxy that forwards them `delay` late. The stop must return only once
/// the request has landed: right after it the statement is gone within delay / 2 (so not
/// through a request still on its way), and the call was answered `shutting_down`.
void expect_the_stop_waits_for_its_cancel(rdbms_pool& db, rdbms_pool& observer,
                                          const std::string& count_sql,
                                          const std::string& sleep_sql, const std::string& like,
                                          std::chrono::milliseconds delay);

/// Runs `rounds` rounds of `workers` concurrent calls of `sleep_sql` through `db` (a
/// next_worker pool of `workers`, so one call each, with a call_timeout far shorter than the
/// sleep), each expected to be answered `timeout`. Before each round it waits until every
/// statement of the rounds before has cost its connection (stats().reconnects) and all are
/// connected again.
void run_rounds_of_timed_out_calls(rdbms_pool& db, int workers, int rounds,
                                   const std::string& sleep_sql);

/// How a call of a result far too large to be read within call_timeout (`big_sql`, millions of
/// values) is answered through `db` (one worker, a call_timeout of `call_timeout`): run as a
/// query, or as the prepared statement `prepared_name` when that is not empty. It must answer
/// `timeout`, no later than call_timeout + 500 ms (the rows are converted in slices between which
/// the deadline timer runs), and the next call on that worker must succeed.
void expect_a_large_result_cut_at_call_timeout(rdbms_pool& db, const std::string& big_sql,
                                               std::chrono::milliseconds call_timeout,
                                               const std::string& prepared_name = "");

/// Waits until a worker of `p` has reconnected (stats().reconnects ≥ 1), at most `limit`; true
/// when one has.
bool wait_reconnected(const pool& p, std::chrono::milliseconds limit);

/// Waits until every worker of `p` is connected, at most `limit`.
bool wait_all_connected(const pool& p, std::chrono::milliseconds limit);

}  // namespace outpools::testing
