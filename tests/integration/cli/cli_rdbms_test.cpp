// `outpools up`, `call` and `bench` on rdbms pools, and the quickstart, run as a user runs them
// (the built binary, through a shell), against the real PostgreSQL of scripts/services: output
// shapes, exit codes, signals, and that no password is ever printed.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <thread>

#include <boost/json.hpp>
#include <chrono>

#include "integration/rdbms/cancel_swallowing_proxy.hpp"
#include "integration/rdbms/rdbms_test_support.hpp"
#include "unit/config/cli_runner.hpp"

namespace outpools::testing {
namespace {

using namespace std::chrono_literals;
using outpools::test::lines_of;
using outpools::test::read_all;
using outpools::test::shell_quote;
using outpools::test::temp_dir;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

struct shell_result {
  int exit_code = -1;
  std::string out, err;
  std::chrono::milliseconds took{0};
};

// Runs `command` with sh; OUTPOOLS in it is replaced by the built binary.
shell_result run_shell(std::string command) {
  const std::string marker = "OUTPOOLS";
  for (std::size_t at = command.find(marker); at != std::string::npos;
       at = command.find(marker, at + 1))
    command.replace(at, marker.size(), shell_quote(OUTPOOLS_CLI_PATH));
  temp_dir dir;
  const std::string full = "{ " + command + "; } </dev/null >" +
                           shell_quote((dir.path() / "out").string()) + " 2>" +
                           shell_quote((dir.path() / "err").string());
  const auto start = clock_type::now();
  const int status = std::system(full.c_str());
  shell_result r;
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  r.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  r.out = read_all(dir.path() / "out");
  r.err = read_all(dir.path() / "err");
  return r;
}

// A pgsql pool `rdbms.TAG` (connection to the plain server unless `port` is given).
std::string pgsql_pool(const std::string& tag, const std::string& pool_lines,
                       const std::string& port = "") {
  return "[outgoing_pools.rdbms." + tag + "]\n" + pool_lines + "\n[outgoing_pools.rdbms." + tag +
         ".connection]\ndriver = \"pgsql\"\nhost = \"" + service("OUTPOOLS_PGSQL_HOST") +
         "\"\nport = " + (port.empty() ? service("OUTPOOLS_PGSQL_PORT") : port) +
         "\ndatabase = \"" + service("OUTPOOLS_PGSQL_DATABASE") + "\"\nusername = \"" +
         service("OUTPOOLS_PGSQL_USER") + "\"\npassword = \"" + service("OUTPOOLS_PGSQL_PASSWORD") +
         "\"\n";
}

// A TCP port on loopback where nothing listens (bound, then closed).
std::string closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return std::to_string(ntohs(a.sin_port));
}

// A listening socket that never answers: a connection is accepted by the kernel, then silence.
struct silent_server {
  silent_server() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 64);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    port = std::to_string(ntohs(a.sin_port));
  }
  ~silent_server() { ::close(fd); }
  int fd = -1;
  std::string port;
};

json::object only_json_line(const std::string& out) {
  const std::vector<std::string> lines = lines_of(out);
  EXPECT_EQ(lines.size(), 1u) << out;
  if (lines.empty()) return {};
  return json::parse(lines.front()).as_object();
}

TEST(cli_up, once_json_has_the_documented_keys_and_exits_0_when_every_pool_is_up) {
  temp_dir dir;
  const auto file = dir.write("up.toml", "[general]\nhosts = [\"localhost\"]\n" +
                                             pgsql_pool("pg", "workers = 3") +
                                             pgsql_pool("other", "workers = 2\nscope = \"host\""));
  shell_result r = run_shell("OUTPOOLS up " + shell_quote(file.string()) + " --once --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json::object line = only_json_line(r.out);
  ASSERT_TRUE(line.contains("time") && line.contains("pools")) << r.out;
  EXPECT_EQ(line.size(), 2u);
  const json::array& pools = line.at("pools").as_array();
  ASSERT_EQ(pools.size(), 2u);
  for (const json::value& v : pools) {
    const json::object& p = v.as_object();
    std::vector<std::string> keys;
    for (const auto& kv : p) keys.emplace_back(kv.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"pool", "scope", "workers", "connected", "state",
                                              "last_error"}));
    EXPECT_EQ(p.at("state"), "up");
    EXPECT_EQ(p.at("connected"), p.at("workers"));
    EXPECT_TRUE(p.at("last_error").is_null());
  }
  EXPECT_EQ(pools[0].at("pool"), "rdbms.pg");
  EXPECT_EQ(pools[0].at("scope"), "global");
  EXPECT_EQ(pools[0].at("workers"), 3);
  EXPECT_EQ(pools[1].at("pool"), "rdbms.other@localhost");
  EXPECT_EQ(pools[1].at("scope"), "host");
}

TEST(cli_up, a_pool_that_cannot_connect_is_down_with_its_reason_and_no_password) {
  temp_dir dir;
  const auto file = dir.write(
      "down.toml", pgsql_pool("gone", "workers = 2\nconnect_timeout = 1000", closed_port()) +
                       pgsql_pool("pg", "workers = 1"));
  shell_result table = run_shell("OUTPOOLS up " + shell_quote(file.string()) + " --once");
  EXPECT_EQ(table.exit_code, 1) << table.out << table.err;
  EXPECT_LT(table.took, 10s) << "bounded by connect_timeout (1 s)";
  const std::vector<std::string> lines = lines_of(table.out);
  ASSERT_EQ(lines.size(), 3u) << table.out;
  EXPECT_EQ(lines[0].rfind("POOL", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("SCOPE"), std::string::npos);
  EXPECT_NE(lines[0].find("CONNECTED"), std::string::npos);
  EXPECT_NE(lines[0].find("STATE"), std::string::npos);
  EXPECT_NE(lines[0].find("LAST ERROR"), std::string::npos);
  EXPECT_NE(lines[1].find("rdbms.gone"), std::string::npos);
  EXPECT_NE(lines[1].find("0/2"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("down"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("refused"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("1/1"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(" up "), std::string::npos) << lines[2];

  shell_result as_json = run_shell("OUTPOOLS up " + shell_quote(file.string()) + " --once --json");
  EXPECT_EQ(as_json.exit_code, 1);
  json::object line = only_json_line(as_json.out);
  const json::object& gone = line.at("pools").at(0).as_object();
  EXPECT_EQ(gone.at("state"), "down");
  EXPECT_EQ(gone.at("connected"), 0);
  ASSERT_TRUE(gone.at("last_error").is_string());
  EXPECT_NE(std::string(gone.at("last_error").as_string()).find("refused"), std::string::npos);
  for (const std::string* text : {&table.out, &table.err, &as_json.out, &as_json.err})
    EXPECT_EQ(text->find(service("OUTPOOLS_PGSQL_PASSWORD")), std::string::npos) << *text;
}

// A login refused for its password: the pool is down with the server's refusal, and neither
// the table, the JSON nor `call` shows the password.
TEST(cli_up, a_wrong_password_shows_the_servers_refusal_and_never_the_password) {
  temp_dir dir;
  const std::string user = service("OUTPOOLS_PGSQL_SCRAM_USER");
  const std::string wrong = "not-the-password-7261";
  std::string pool = pgsql_pool("pg", "workers = 1\nreconnect_backoff_min = 1000");
  const std::string login = "username = \"" + service("OUTPOOLS_PGSQL_USER") + "\"\npassword = \"" +
                            service("OUTPOOLS_PGSQL_PASSWORD") + "\"";
  ASSERT_NE(pool.find(login), std::string::npos);
  pool.replace(pool.find(login), login.size(),
               "username = \"" + user + "\"\npassword = \"" + wrong + "\"");
  const auto file = dir.write("wrong.toml", pool);
  const std::string refusal = "password authentication failed for user";
  shell_result table = run_shell("OUTPOOLS up " + shell_quote(file.string()) + " --once");
  EXPECT_EQ(table.exit_code, 1) << table.out << table.err;
  EXPECT_NE(table.out.find("down"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(refusal), std::string::npos) << table.out;
  shell_result as_json = run_shell("OUTPOOLS up " + shell_quote(file.string()) + " --once --json");
  EXPECT_EQ(as_json.exit_code, 1);
  EXPECT_NE(as_json.out.find(refusal), std::string::npos) << as_json.out;
  shell_result call =
      run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg 'SELECT 1'");
  EXPECT_EQ(call.exit_code, 1) << call.out << call.err;
  EXPECT_NE(call.err.find(refusal), std::string::npos) << call.err;
  for (const shell_result* r : {&table, &as_json, &call})
    for (const std::string* text : {&r->out, &r->err})
      EXPECT_EQ(text->find(wrong), std::string::npos) << *text;
}

TEST(cli_up, refreshes_until_sigterm_then_stops_cleanly) {
  temp_dir dir;
  const auto file = dir.write("up.toml", pgsql_pool("pg", "workers = 2"));
  shell_result r = run_shell("timeout --preserve-status -s TERM 4 OUTPOOLS up " +
                             shell_quote(file.string()) + " --json --interval 0.2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  EXPECT_GE(lines.size(), 2u) << "a line per refresh";
  for (const std::string& l : lines) EXPECT_EQ(json::parse(l).at("pools").at(0).at("state"), "up");
}

// On a terminal (a pty of script(1), `rows` high) each refresh backs up over the last table and
// redraws it; a table taller than the screen, which cannot be backed over, is drawn afresh from
// the screen's top.
std::string up_on_a_terminal(const std::filesystem::path& file, int rows) {
  const std::string inner = "stty rows " + std::to_string(rows) +
                            " cols 100; timeout --preserve-status -s INT 1 OUTPOOLS up " +
                            shell_quote(file.string()) + " --interval 0.2";
  return run_shell("script -qec " + shell_quote(inner) + " /dev/null").out;
}

TEST(cli_up, on_a_terminal_each_refresh_is_drawn_in_place) {
  temp_dir dir;
  std::string five;
  for (const char* tag : {"a", "b", "c", "d", "e"})
    five += std::string("[outgoing_pools.generic.") + tag + "]\nworkers = 1\n";
  const auto small = dir.write("small.toml", "[outgoing_pools.generic.a]\nworkers = 1\n");
  const auto tall = dir.write("tall.toml", five);
  const std::string in_place = up_on_a_terminal(small, 24);
  EXPECT_NE(in_place.find("\033[2A\033[J"), std::string::npos) << "no redraw over 2 rows";
  EXPECT_EQ(in_place.find("\033[H"), std::string::npos);
  const std::string from_top = up_on_a_terminal(tall, 4);  // 6 rows on a 4-row screen
  EXPECT_NE(from_top.find("\033[H\033[2J"), std::string::npos) << "no redraw from the top";
  EXPECT_EQ(from_top.find("\033[6A"), std::string::npos) << "backed up past the screen's top";
}

TEST(cli_up, sigterm_while_the_pools_still_connect_stops_it_at_once) {
  silent_server silent;
  temp_dir dir;
  const auto file = dir.write(
      "slow.toml", pgsql_pool("slow", "workers = 2\nconnect_timeout = 30000", silent.port));
  shell_result r =
      run_shell("timeout --preserve-status -s TERM 1 OUTPOOLS up " + shell_quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.took, 10s) << "waited for the 30 s connect_timeout";
}

TEST(cli_up, ends_when_its_reader_goes_away) {
  temp_dir dir;
  const auto file = dir.write("up.toml", pgsql_pool("pg", "workers = 1"));
  // Its own exit status, after head has gone: 1, from the failed write (not death by SIGPIPE).
  const std::string pipeline = "{ " + shell_quote(OUTPOOLS_CLI_PATH) + " up " +
                               shell_quote(file.string()) +
                               " --json --interval 0.1; echo \"rc=$?\" >&2; } | head -n 1";
  shell_result r = run_shell("timeout 30 sh -c " + shell_quote(pipeline));
  EXPECT_EQ(r.exit_code, 0) << "still running after its reader left";
  EXPECT_NE(r.err.find("rc=1\n"), std::string::npos) << r.err;  // not 141: killed by SIGPIPE
  EXPECT_EQ(lines_of(r.out).size(), 1u) << r.out;
}

TEST(cli_call, prints_a_table_or_json_with_untyped_parameters_and_nulls) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 4"));
  const std::string sql = "SELECT $1::int + 1 AS n, $2::text AS t";
  shell_result as_json = run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                                   shell_quote(sql) + " 41 x --null 2 --json");
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  json::value j = json::parse(as_json.out);
  EXPECT_EQ(j.at("columns"), json::parse(R"(["n","t"])"));
  EXPECT_EQ(j.at("rows"), json::parse("[[42,null]]"));

  shell_result table = run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                                 shell_quote(sql) + " 41 x");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::vector<std::string> lines = lines_of(table.out);
  ASSERT_EQ(lines.size(), 4u) << table.out;
  EXPECT_NE(lines[0].find('n'), std::string::npos);
  EXPECT_NE(lines[0].find('t'), std::string::npos);
  EXPECT_NE(lines[2].find("42"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find('x'), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3], "(1 row)");

  // Rows of no column (pgsql takes SELECT FROM t) are counted, not taken for a statement that
  // returns no rows.
  shell_result no_columns = run_shell("OUTPOOLS call " + shell_quote(file.string()) +
                                      " rdbms.pg 'SELECT FROM generate_series(1, 3)'");
  ASSERT_EQ(no_columns.exit_code, 0) << no_columns.err;
  EXPECT_EQ(no_columns.out, "(3 rows)\n");

  // Columns line up on a terminal with wide characters too (CJK: two columns each).
  shell_result wide = run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                                shell_quote("SELECT $1 AS \"名前\", $2 AS w") + " " +
                                shell_quote("日本語テキスト") + " x");
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  const std::vector<std::string> wide_lines = lines_of(wide.out);
  ASSERT_EQ(wide_lines.size(), 4u) << wide.out;
  EXPECT_EQ(wide_lines[0], " 名前           | w") << wide.out;
  EXPECT_EQ(wide_lines[1], "----------------+---") << wide.out;
  EXPECT_EQ(wide_lines[2], " 日本語テキスト | x") << wide.out;

  // A column name is the statement's: a control character in it is escaped as in the cells.
  shell_result escaped = run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                                   shell_quote("SELECT 1 AS \"a\x1b[2Jb\""));
  ASSERT_EQ(escaped.exit_code, 0) << escaped.err;
  EXPECT_EQ(lines_of(escaped.out).at(0), " a\\x1b[2Jb") << escaped.out;

  // --null takes one number: parameters may follow it, and it may be given more than once.
  shell_result interleaved =
      run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                shell_quote("SELECT $1::text AS a, $2::text AS b, $3::text AS c") +
                " x --null 3 y --null 1 z --json");
  ASSERT_EQ(interleaved.exit_code, 0) << interleaved.err;
  EXPECT_EQ(json::parse(interleaved.out).at("rows"), json::parse(R"([[null,"y",null]])"));

  // Untyped: the server infers it (an int here, text next to a text column).
  shell_result inferred = run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                                    shell_quote("SELECT $1 + 1 AS n") + " 41 --json");
  ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
  EXPECT_EQ(json::parse(inferred.out).at("rows"), json::parse("[[42]]"));
}

TEST(cli_call, parameters_that_look_like_lists_or_options_are_passed_as_they_are) {
  temp_dir dir;
  const auto file = shell_quote(dir.write("c.toml", pgsql_pool("pg", "workers = 2")).string());
  // CLI11 alone would split [1,2] in two, drop [], and take -Infinity and -x for options.
  shell_result r =
      run_shell("OUTPOOLS call " + file + " rdbms.pg " +
                shell_quote("SELECT $1::text AS a, $2::text AS b, $3::float8 AS c, $4::text AS d, "
                            "$5::text AS e, $6::text AS f, $7::text AS g") +
                " '[1,2]' '[]' -Infinity -x '[admin]' --null 7 ++ x --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("rows"),
            json::parse(R"([["[1,2]","[]","-Infinity","-x","[admin]","++",null]])"));
  // After a lone --, every argument is a parameter, -- words included; --null keeps its number.
  shell_result after = run_shell("OUTPOOLS call " + file + " rdbms.pg " +
                                 shell_quote("SELECT $1::text AS a, $2::int AS b") +
                                 " --null 2 --json -- --json -5");
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(json::parse(after.out).at("rows"), json::parse(R"([["--json",null]])"));
}

TEST(cli_call, json_stays_valid_for_nan_infinity_and_text_that_is_not_utf8) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  shell_result pg = run_shell(
      "OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
      shell_quote("SELECT 'NaN'::float8 AS a, '-Infinity'::float8 AS b, 0.1::float8 AS c") +
      " --json");
  ASSERT_EQ(pg.exit_code, 0) << pg.err;
  EXPECT_EQ(json::parse(pg.out).at("rows"), json::parse(R"([["NaN","-Infinity",0.1]])"));
  // Numbers as people write them, the same as in the table; a whole double keeps its ".0".
  shell_result numbers = run_shell(
      "OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
      shell_quote("SELECT 0.1::float8, 42::float8, 1e300::float8, -2.5e-7::float8, 7") + " --json");
  ASSERT_EQ(numbers.exit_code, 0) << numbers.err;
  EXPECT_NE(numbers.out.find(R"("rows":[[0.1,42.0,1e+300,-2.5e-07,7]])"), std::string::npos)
      << numbers.out;

  // SQLite (the quickstart's pool) returns the bytes FF 41 as text: FF is no UTF-8.
  shell_result lite = run_shell("cd " + shell_quote(OUTPOOLS_SOURCE_DIR) +
                                " && OUTPOOLS call config/quickstart.toml" + " rdbms.default " +
                                shell_quote("SELECT CAST(X'FF41' AS TEXT) AS t") + " --json");
  ASSERT_EQ(lite.exit_code, 0) << lite.err;
  boost::system::error_code ec;
  json::value j = json::parse(lite.out, ec);  // Boost.JSON refuses invalid UTF-8
  ASSERT_FALSE(ec) << ec.message() << ": " << lite.out;
  EXPECT_EQ(j.at("rows"), json::parse("[[\"\\uFFFDA\"]]"));
}

// call waits for its worker to connect before it sends the statement: a next_available_worker
// pool answers no_available_workers to a call sent while it connects.
TEST(cli_call, runs_on_a_pool_of_every_strategy) {
  temp_dir dir;
  for (const char* strategy : {"best_worker", "random_worker", "next_worker", "available_worker",
                               "next_available_worker", "hash_worker"}) {
    const auto file =
        dir.write(std::string(strategy) + ".toml",
                  pgsql_pool("pg", std::string("workers = 3\nstrategy = \"") + strategy + "\""));
    shell_result r = run_shell("OUTPOOLS call " + shell_quote(file.string()) +
                               " rdbms.pg 'SELECT 7 AS x' --json");
    ASSERT_EQ(r.exit_code, 0) << strategy << ": " << r.err;
    EXPECT_EQ(json::parse(r.out).at("rows"), json::parse("[[7]]")) << strategy;
  }
  // One that cannot connect says why, whatever its strategy.
  const auto down = dir.write(
      "down.toml",
      pgsql_pool("pg", "workers = 1\nstrategy = \"next_available_worker\"", closed_port()));
  shell_result r =
      run_shell("OUTPOOLS call " + shell_quote(down.string()) + " rdbms.pg 'SELECT 1'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
}

TEST(cli_call, a_server_error_prints_its_sqlstate_and_message_and_exits_1) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  shell_result r = run_shell("OUTPOOLS call " + shell_quote(file.string()) +
                             " rdbms.pg 'SELECT * FROM no_such_table' --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("server_error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("42P01"), std::string::npos) << r.err;
  json::value j = json::parse(r.out);
  EXPECT_EQ(j.at("error"), "server_error");
  EXPECT_EQ(j.at("sqlstate"), "42P01");
  EXPECT_EQ(j.at("message"), "relation \"no_such_table\" does not exist");

  // Through ODBC (SQLite's driver: no server): the driver's "[SQLite]" tag is not the server's.
  const auto odbc = dir.write("o.toml",
                              "[outgoing_pools.rdbms.lite]\nworkers = 1\n"
                              "[outgoing_pools.rdbms.lite.connection]\ndriver = \"odbc\"\n"
                              "settings = \"DSN=" +
                                  service("OUTPOOLS_ODBC_SQLITE_DSN") + "\"\n");
  shell_result lite =
      run_shell("ODBCSYSINI=" + shell_quote(service("ODBCSYSINI")) +
                " ODBCINI=" + shell_quote(service("ODBCINI")) + " OUTPOOLS call " +
                shell_quote(odbc.string()) + " rdbms.lite 'SELECT * FROM no_such_table' --json");
  EXPECT_EQ(lite.exit_code, 1) << lite.err;
  EXPECT_NE(lite.err.find("[SQLite]no such table"), std::string::npos) << lite.err;
  EXPECT_EQ(json::parse(lite.out).at("message"), "no such table: no_such_table (1)") << lite.out;
}

TEST(cli_call, a_connection_the_server_ends_with_an_error_prints_its_sqlstate_and_message) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  shell_result r = run_shell("OUTPOOLS call " + shell_quote(file.string()) +
                             " rdbms.pg 'SELECT pg_terminate_backend(pg_backend_pid())' --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("disconnected: SQLSTATE 57P01: terminating connection"), std::string::npos)
      << r.err;
  json::value j = json::parse(r.out);
  EXPECT_EQ(j.at("error"), "disconnected");
  EXPECT_EQ(j.at("sqlstate"), "57P01");
  EXPECT_EQ(j.at("message"), "terminating connection due to administrator command");
}

TEST(cli_call, the_servers_notices_go_to_stderr_on_one_line_each) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  // A notice with a line break (libpq's lines joined by "; ") and an escape character, which a
  // terminal would act on: escaped.
  shell_result r = run_shell(
      "OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
      shell_quote("DO $$ BEGIN RAISE NOTICE 'one%two%', chr(10), chr(27); END $$") + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "NOTICE:  one; two\\x1b\n");
  EXPECT_EQ(json::parse(r.out).at("rows"), json::array());
  // A statement that fails after a notice: the notice is printed before the error.
  shell_result failed =
      run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg " +
                shell_quote("DO $$ BEGIN RAISE NOTICE 'before'; RAISE EXCEPTION 'after'; END $$"));
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_EQ(failed.err.rfind("NOTICE:  before\n", 0), 0u) << failed.err;
  EXPECT_NE(failed.err.find("after"), std::string::npos) << failed.err;
}

TEST(cli_call, a_statement_past_call_timeout_returns_timeout_long_before_it_would_end) {
  temp_dir dir;
  // call_timeout well above the connect, so that the statement is running when it expires.
  // (MariaDB's SLEEP is covered by mysql_integration_test: this binary holds the pgsql lock only.)
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1\ncall_timeout = 1500"));
  shell_result r =
      run_shell("OUTPOOLS call " + shell_quote(file.string()) + " rdbms.pg 'SELECT pg_sleep(10)'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("while the job was running"), std::string::npos) << r.err;
  EXPECT_LT(r.took, 6s) << "the sleep would end at 10 s";
}

// The `timeout` answer is printed at call_timeout, before the stop that waits (up to
// connect_timeout) for the statement's cancel request to land — here never: a proxy holds it.
// Signalled (SIGTERM) long before that wait ends, the command has printed its answer already,
// and exits at once.
TEST(cli_call, a_timeout_is_printed_at_call_timeout_before_the_cancel_is_waited_for) {
  temp_dir dir;
  cancel_swallowing_proxy proxy(std::stoi(service("OUTPOOLS_PGSQL_PORT")));
  const auto file = dir.write(
      "c.toml", pgsql_pool("pg", "workers = 1\ncall_timeout = 300\nconnect_timeout = 8000",
                           std::to_string(proxy.port())));
  shell_result r = run_shell("timeout 3 OUTPOOLS call " + shell_quote(file.string()) +
                             " rdbms.pg 'SELECT pg_sleep(10)' --json");
  EXPECT_EQ(r.exit_code, 124) << "it did not wait for the cancel: " << r.err;
  EXPECT_LT(r.took, 7s) << "the signal did not end the wait (connect_timeout 8 s)";
  EXPECT_NE(r.err.find("error: timeout"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("signalled while stopping"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"error\":\"timeout\""), std::string::npos) << r.out;
  EXPECT_EQ(proxy.cancels_held(), 1);
}

// SIGINT, SIGTERM, and SIGHUP (its terminal closed) alike.
TEST(cli_call, sigint_stops_the_call_and_its_statement_on_the_server) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  const std::string f = shell_quote(file.string());
  for (const std::string signal : {"INT", "HUP"}) {
    const std::string tag = "signal-call-" + signal;
    shell_result r = run_shell("timeout --preserve-status -s " + signal + " 2 OUTPOOLS call " + f +
                               " rdbms.pg 'SELECT pg_sleep(30) /* " + tag + " */'");
    EXPECT_EQ(r.exit_code, 1) << "SIG" << signal << ": not 128+N: killed by the signal";
    EXPECT_LT(r.took, 10s) << "the statement runs for 30 s";
    EXPECT_NE(r.err.find("outpools call: interrupted"), std::string::npos) << r.err;
    // The server no longer runs it (the cancel request may take a moment to land).
    const std::string running = "OUTPOOLS call " + f +
                                " rdbms.pg \"SELECT count(*) FROM pg_stat_activity WHERE query "
                                "LIKE 'SELECT pg_sleep(30) /* " +
                                tag + "%'\" --json";
    json::value rows;
    for (int i = 0; i < 30; ++i) {
      shell_result seen = run_shell(running);
      ASSERT_EQ(seen.exit_code, 0) << seen.err;
      rows = json::parse(seen.out).at("rows");
      if (rows == json::parse("[[0]]")) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(rows, json::parse("[[0]]")) << "SIG" << signal << ": the statement still runs";
  }
}

TEST(cli_call, bad_pools_and_nulls_are_usage_errors) {
  temp_dir dir;
  const auto file = dir.write("c.toml", pgsql_pool("pg", "workers = 1"));
  const std::string f = shell_quote(file.string());
  EXPECT_EQ(run_shell("OUTPOOLS call " + f + " rdbms.nope 'SELECT 1'").exit_code, 2);
  shell_result null_zero = run_shell("OUTPOOLS call " + f + " rdbms.pg 'SELECT $1' 1 --null 0");
  EXPECT_EQ(null_zero.exit_code, 2);
  EXPECT_NE(null_zero.err.find("from 1"), std::string::npos) << null_zero.err;
  shell_result null_negative =
      run_shell("OUTPOOLS call " + f + " rdbms.pg 'SELECT $1' 1 --null -1");
  EXPECT_EQ(null_negative.exit_code, 2);
  EXPECT_NE(null_negative.err.find("--null -1: parameters count from 1"), std::string::npos)
      << null_negative.err;
  // Reported as written: a number too large for any type, and text that is no number.
  shell_result null_huge =
      run_shell("OUTPOOLS call " + f + " rdbms.pg 'SELECT $1' 1 --null 99999999999999999999");
  EXPECT_EQ(null_huge.exit_code, 2);
  EXPECT_NE(null_huge.err.find("--null 99999999999999999999: parameters count from 1, and there "
                               "is 1 parameter"),
            std::string::npos)
      << null_huge.err;
  shell_result null_text = run_shell("OUTPOOLS call " + f + " rdbms.pg 'SELECT $1' 1 --null 1x");
  EXPECT_EQ(null_text.exit_code, 2);
  EXPECT_NE(null_text.err.find("--null 1x: not a number"), std::string::npos) << null_text.err;
  // A host-qualified name with no pool for that host reaches the global pool.
  EXPECT_EQ(run_shell("OUTPOOLS call " + f + " rdbms.pg@localhost 'SELECT 1'").exit_code, 0);
}

TEST(cli_bench, an_rdbms_pool_runs_select_1_once_per_call_and_reports_json) {
  temp_dir dir;
  const auto file = dir.write("b.toml", pgsql_pool("pg", "workers = 4"));
  shell_result r = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                             " --pool rdbms.pg --concurrency 8 --calls 400 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object j = json::parse(r.out).as_object();
  EXPECT_EQ(j.at("pool"), "rdbms.pg");
  EXPECT_EQ(j.at("calls"), 400);
  EXPECT_EQ(j.at("completions"), 400);
  EXPECT_EQ(j.at("duplicate_completions"), 0);
  EXPECT_EQ(j.at("ok"), 400);
  EXPECT_EQ(j.at("executed"), 400);
  EXPECT_EQ(j.at("max_concurrent_per_worker"), 1) << "one request in flight per connection";
  for (const auto& kv : j.at("errors").as_object()) EXPECT_EQ(kv.value(), 0) << kv.key();
  for (const char* key : {"elapsed_s", "calls_per_s", "cpu_us_per_call", "latency_us"})
    EXPECT_TRUE(j.contains(key)) << key;

  shell_result query = run_shell(
      "OUTPOOLS bench " + shell_quote(file.string()) +
      " --pool rdbms.pg --concurrency 2 --calls 20 --query 'SELECT $1::int' --random-key 5 "
      "--prepared");
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("SELECT $1::int"), std::string::npos) << query.out;

  // :key writes the key into the text (pgbench -M simple's way): a key outside [1, 5], or text
  // that is no number, would divide by zero or fail to parse on the server.
  shell_result as_text =
      run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                " --pool rdbms.pg --concurrency 2 --calls 40 --random-key 5 --json --query "
                "'SELECT 1 / (CASE WHEN :key BETWEEN 1 AND 5 THEN 1 ELSE 0 END), :key + 0'");
  ASSERT_EQ(as_text.exit_code, 0) << as_text.err;
  EXPECT_EQ(json::parse(as_text.out).as_object().at("ok"), 40) << as_text.out;

  // Options that mean nothing for an rdbms pool are refused, not ignored; :key needs a key,
  // and a prepared statement takes it as a parameter.
  for (const char* wrong :
       {"--job noop", "--job sleep:5", "--random-key 5", "--query 'SELECT :key'",
        "--query 'SELECT :key' --random-key 5 --prepared"}) {
    shell_result refused = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                     " --pool rdbms.pg --calls 5 " + wrong);
    EXPECT_EQ(refused.exit_code, 2) << wrong << ": " << refused.err;
  }
}

// The report names the pool instance driven (a host's name may hold quotes: still JSON), says
// why calls failed, and a run in which nothing completed has lasted 0 s, not minus the uptime.
// --log-level info says on stderr what the pools do (stdout keeps the command's output), never
// with a password; the default (warn) says none of it.
TEST(cli_log_level, info_tells_connects_and_failures_on_stderr_without_a_password) {
  temp_dir dir;
  const auto good = dir.write("good.toml", pgsql_pool("pg", "workers = 1"));
  shell_result quiet =
      run_shell("OUTPOOLS call " + shell_quote(good.string()) + " rdbms.pg 'SELECT 1' --json");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  shell_result told = run_shell("OUTPOOLS call " + shell_quote(good.string()) +
                                " rdbms.pg 'SELECT 1' --json --log-level info");
  ASSERT_EQ(told.exit_code, 0) << told.err;
  EXPECT_NO_THROW(json::parse(told.out)) << told.out;
  EXPECT_NE(told.err.find("pool rdbms.pg: worker 0 connected"), std::string::npos) << told.err;

  const std::string secret = "outpools-not-the-password";
  std::string wrong = pgsql_pool("pg", "workers = 1\nconnect_timeout = 2000");
  const std::string real = "password = \"" + service("OUTPOOLS_PGSQL_PASSWORD") + "\"";
  wrong.replace(wrong.find(real), real.size(), "password = \"" + secret + "\"");
  // (The scram user: the plain one may log in without a password.)
  const std::string user = "username = \"" + service("OUTPOOLS_PGSQL_USER") + "\"";
  wrong.replace(wrong.find(user), user.size(),
                "username = \"" + service("OUTPOOLS_PGSQL_SCRAM_USER") + "\"");
  const auto bad = dir.write("bad.toml", wrong);
  shell_result refused =
      run_shell("OUTPOOLS up " + shell_quote(bad.string()) + " --once --json --log-level debug");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("pool rdbms.pg: connect failed: worker 0:"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find(secret), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out.find(secret), std::string::npos) << refused.out;
}

TEST(cli_bench, the_report_is_json_with_the_instance_driven_and_why_calls_failed) {
  temp_dir dir;
  const auto file = dir.write(
      "b.toml", "[general]\nhosts = [\"ex\\\"ample\"]\n" + pgsql_pool("pg", "workers = 2"));
  // A host without a pool of its own falls back to the global one: that is what ran.
  shell_result fallback = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                    " --pool 'rdbms.pg@a\"b\\c' --calls 5 --json");
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_EQ(json::parse(fallback.out).as_object().at("pool"), "rdbms.pg") << fallback.out;

  shell_result failing = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                   " --pool rdbms.pg --calls 5 --json --query "
                                   "'SELECT * FROM outpools_no_such_table'");
  ASSERT_EQ(failing.exit_code, 0) << failing.err;
  json::object j = json::parse(failing.out).as_object();
  EXPECT_EQ(j.at("errors").at("server_error"), 5);
  const std::string why(j.at("first_errors").at("server_error").as_string());
  EXPECT_NE(why.find("42P01"), std::string::npos) << why;
  EXPECT_NE(why.find("outpools_no_such_table"), std::string::npos) << why;
  shell_result text = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                " --pool rdbms.pg --calls 2 --query 'SELECT * FROM "
                                "outpools_no_such_table'");
  EXPECT_NE(text.out.find("server_error 2, the first: SQLSTATE 42P01"), std::string::npos)
      << text.out;

  shell_result nothing = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                   " --pool rdbms.pg --duration 0.000001 --json");
  ASSERT_EQ(nothing.exit_code, 0) << nothing.err;
  json::object none = json::parse(nothing.out).as_object();
  EXPECT_GE(none.at("elapsed_s").to_number<double>(), 0.0) << nothing.out;
  if (none.at("completions") == 0) {
    EXPECT_EQ(none.at("elapsed_s").to_number<double>(), 0.0);
  }

  // A duration the clock cannot hold is refused, not taken as already over.
  for (const char* duration : {"inf", "nan", "9.3e9"}) {
    shell_result refused = run_shell("OUTPOOLS bench " + shell_quote(file.string()) +
                                     " --pool rdbms.pg --json --duration " + duration);
    EXPECT_EQ(refused.exit_code, 2) << duration << ": " << refused.out << refused.err;
    EXPECT_NE(refused.err.find("--duration"), std::string::npos) << refused.err;
  }
}

TEST(cli_bench, sigint_ends_the_run_early_and_prints_the_figures_of_what_ran) {
  temp_dir dir;
  const auto file = dir.write("b.toml", pgsql_pool("pg", "workers = 2"));
  shell_result r =
      run_shell("timeout --preserve-status -s INT 2 OUTPOOLS bench " + shell_quote(file.string()) +
                " --pool rdbms.pg --concurrency 2 --duration 60 --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.took, 20s) << "ran its 60 s";
  EXPECT_NE(r.err.find("bench: interrupted"), std::string::npos) << r.err;
  json::object j = json::parse(r.out).as_object();
  EXPECT_GT(j.at("calls").as_int64(), 0);
  EXPECT_EQ(j.at("completions"), j.at("calls")) << "every call issued completed";
  EXPECT_EQ(j.at("ok"), j.at("calls"));
  EXPECT_LT(j.at("elapsed_s").as_double(), 20.0);
}

// Every call times out (200 ms against 500 ms statements): the run still ends at its duration.
// (Its SIGINT watcher once re-armed itself after the run ended, keeping the bench running.)
TEST(cli_bench, a_run_whose_calls_all_time_out_ends_at_its_duration) {
  temp_dir dir;
  const auto file = dir.write("b.toml", pgsql_pool("pg", "workers = 4\ncall_timeout = 200"));
  for (int run = 0; run < 3; ++run) {
    shell_result r = run_shell("timeout 20 OUTPOOLS bench " + shell_quote(file.string()) +
                               " --pool rdbms.pg --concurrency 4 --duration 1 --io-threads 1 "
                               "--no-pin --query 'SELECT pg_sleep(0.5)' --json");
    ASSERT_EQ(r.exit_code, 0) << "run " << run << " (124: still running at 20 s): " << r.err;
    json::object j = json::parse(r.out).as_object();
    EXPECT_EQ(j.at("completions"), j.at("calls"));
    EXPECT_EQ(j.at("errors").at("timeout"), j.at("calls"));
  }
}

TEST(cli_bench, a_pool_that_cannot_connect_is_refused_at_once_with_the_reason) {
  temp_dir dir;
  const auto file =
      dir.write("b.toml", pgsql_pool("gone", "workers = 2\nconnect_timeout = 1000", closed_port()));
  shell_result r =
      run_shell("OUTPOOLS bench " + shell_quote(file.string()) + " --pool rdbms.gone --calls 5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(r.took, 10s);
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(service("OUTPOOLS_PGSQL_PASSWORD")), std::string::npos) << r.err;
}

TEST(cli_quickstart, comes_up_from_the_repository_root_with_no_server) {
  // What `make run` starts: a generic pool and SQLite through ODBC, under ./var/.
  shell_result r = run_shell("cd " + shell_quote(OUTPOOLS_SOURCE_DIR) +
                             " && OUTPOOLS up config/quickstart.toml --once --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json::object line = only_json_line(r.out);
  const json::array& pools = line.at("pools").as_array();
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0].at("pool"), "generic.default");
  EXPECT_EQ(pools[1].at("pool"), "rdbms.default");
  for (const json::value& p : pools) EXPECT_EQ(p.at("state"), "up") << json::serialize(p);
}

}  // namespace
}  // namespace outpools::testing
