// The `outpools` command: check, show [--json], reference; exit codes 0 (valid) and 2 (invalid,
// unreadable, bad usage).
#include <boost/json.hpp>

#include <set>
#include <tuple>

#include "unit/config/cli_runner.hpp"

namespace outpools {
namespace {

using test::lines_of;
using test::run_cli;

constexpr std::string_view valid_config = R"([general]
  hosts = ["localhost", "example.com"]
[outgoing_pools.redis.default]
  workers = 5
[outgoing_pools.rdbms.default]
  scope = "host"
  strategy = "next_worker"
  [outgoing_pools.rdbms.default.connection]
    driver = "pgsql"
    host = "db"
    database = "mim"
    username = "mim"
    password = "Pw-9x7-secret"
[outgoing_pools.elastic.default]
  workers = 2
[outgoing_pools.generic.jobs]
  scope = "single_host"
  host = "example.com"
  call_timeout = 1500
)";

TEST(CliCheck, ValidPrintsOneLinePerInstanceAndExits0) {
  test::temp_dir dir;
  const auto file = dir.write("outpools.toml", valid_config);
  const test::cli_result r = run_cli({"check", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> expected{
      "redis.default  strategy=best_worker workers=5 call_timeout=5000",
      "rdbms.default@localhost  strategy=next_worker workers=100 call_timeout=60000",
      "rdbms.default@example.com  strategy=next_worker workers=100 call_timeout=60000",
      "elastic.default  strategy=available_worker workers=2 call_timeout=infinity",
      "generic.jobs@example.com  strategy=best_worker workers=100 call_timeout=1500",
  };
  EXPECT_EQ(lines_of(r.out), expected) << r.out;
  for (const std::string& line : lines_of(r.out)) {
    EXPECT_NE(test::summary_type(line), "") << line;
  }
  EXPECT_FALSE(test::contains(r.out + r.err, "Pw-9x7-secret"));
}

TEST(CliCheck, InvalidExits2WithEveryErrorOnStderr) {
  test::temp_dir dir;
  const auto file = dir.write("bad.toml", R"([outgoing_pools.redis.default]
  workers = 0
[outgoing_pools.redis.default.connection]
  port = 65535
  password = ["Pw-9x7-secret"]
)");
  const test::cli_result r = run_cli({"check", file.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  const std::string prefix = file.string() + ":";
  EXPECT_TRUE(test::contains(r.err, prefix + "2:")) << r.err;
  EXPECT_TRUE(test::contains(r.err, "outgoing_pools.redis.default.workers: ")) << r.err;
  EXPECT_TRUE(test::contains(r.err, prefix + "4:")) << r.err;
  EXPECT_TRUE(test::contains(r.err, "outgoing_pools.redis.default.connection.port: ")) << r.err;
  EXPECT_TRUE(test::contains(r.err, prefix + "5:")) << r.err;
  EXPECT_TRUE(test::contains(r.err, "outgoing_pools.redis.default.connection.password: ")) << r.err;
  EXPECT_FALSE(test::contains(r.err, "Pw-9x7-secret")) << r.err;
}

TEST(CliCheck, SyntaxErrorExits2) {
  test::temp_dir dir;
  const auto file = dir.write("bad.toml", "[outgoing_pools.redis.default\nworkers = 1\n");
  const test::cli_result r = run_cli({"check", file.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::contains(r.err, file.string() + ":1:")) << r.err;
}

TEST(CliCheck, UnreadableFileExits2) {
  test::temp_dir dir;
  const test::cli_result r = run_cli({"check", (dir.path() / "nope.toml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::contains(r.err, "nope.toml")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliCheck, DirectoryInsteadOfFileExits2) {
  test::temp_dir dir;
  const test::cli_result r = run_cli({"check", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CliCheck, IgnoredTablesStillValid) {
  test::temp_dir dir;
  const auto file = dir.write("mongooseim.toml", R"([general]
  hosts = ["localhost"]
  loglevel = "warning"
[listen]
  c2s = [{port = 5222}]
[outgoing_pools.generic.default]
)");
  const test::cli_result r = run_cli({"check", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out),
            std::vector<std::string>{
                "generic.default  strategy=best_worker workers=100 call_timeout=5000"});
}

TEST(CliUsage, MissingFileArgumentExits2) {
  EXPECT_EQ(run_cli({"check"}).exit_code, 2);
  EXPECT_EQ(run_cli({"show"}).exit_code, 2);
}

TEST(CliUsage, UnknownSubcommandOrNoneExits2) {
  EXPECT_EQ(run_cli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_cli({}).exit_code, 2);
}

TEST(CliUsage, HelpAndVersionExit0) {
  for (const char* sub : {"check", "show", "reference"}) {
    const test::cli_result r = run_cli({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub << r.err;
    EXPECT_TRUE(test::contains(r.out, "--log-level")) << sub << "\n" << r.out;
  }
  const test::cli_result v = run_cli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(test::contains(v.out, "outpools")) << v.out;
}

// A count or a duration of 0 is refused with what it must be, not with CLI11's range up to DBL_MAX.
TEST(CliUsage, BenchCountsAndDurationsMustBeAboveZero) {
  test::temp_dir dir;
  const auto file = dir.write("outpools.toml", valid_config);
  for (const auto& [option, value, says] :
       {std::tuple{"--calls", "0", "--calls: must be a number of calls above 0, not 0"},
        std::tuple{"--duration", "-1", "--duration: must be a number of seconds above 0, not -1"},
        std::tuple{"--random-key", "0", "--random-key: must be a number of keys above 0, not 0"}}) {
    const test::cli_result r =
        run_cli({"bench", file.string(), "--pool", "generic.jobs@example.com", option, value});
    EXPECT_EQ(r.exit_code, 2) << option << r.err;
    EXPECT_TRUE(test::contains(r.err, says)) << option << "\n" << r.err;
    EXPECT_FALSE(test::contains(r.err, "179769")) << r.err;
  }
}

TEST(CliUsage, LogLevelOnSubcommand) {
  test::temp_dir dir;
  const auto file = dir.write("outpools.toml", valid_config);
  EXPECT_EQ(run_cli({"check", file.string(), "--log-level", "debug"}).exit_code, 0);
  EXPECT_EQ(run_cli({"check", file.string(), "--log-level", "loud"}).exit_code, 2);
}

TEST(CliShow, JsonHasExactlyTheDocumentedKeys) {
  test::temp_dir dir;
  const auto file = dir.write("outpools.toml", valid_config);
  const test::cli_result r = run_cli({"show", file.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.as_array().size(), 5u);
  const std::set<std::string> expected{"type",
                                       "tag",
                                       "host",
                                       "scope",
                                       "strategy",
                                       "workers",
                                       "call_timeout_ms",
                                       "connect_timeout_ms",
                                       "reconnect_backoff_ms",
                                       "connection",
                                       "tls"};
  for (const boost::json::value& p : v.as_array()) {
    std::set<std::string> keys;
    for (const auto& kv : p.as_object()) keys.insert(std::string(kv.key()));
    EXPECT_EQ(keys, expected) << p;
  }
  const boost::json::array& a = v.as_array();
  EXPECT_TRUE(a[0].at("host").is_null());
  EXPECT_EQ(a[1].at("host"), "localhost");
  EXPECT_EQ(a[2].at("host"), "example.com");
  EXPECT_EQ(a[1].at("connection").at("password"), "***");
  EXPECT_EQ(a[3].at("call_timeout_ms"), "infinity");
  EXPECT_EQ(a[4].at("scope"), "single_host");
  EXPECT_EQ(a[0].at("reconnect_backoff_ms"), (boost::json::array{100, 10000}));
  EXPECT_FALSE(test::contains(r.out, "Pw-9x7-secret"));
}

TEST(CliShow, TextExits0AndMasksSecrets) {
  test::temp_dir dir;
  const auto file = dir.write("outpools.toml", valid_config);
  const test::cli_result r = run_cli({"show", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "rdbms.default@example.com")) << r.out;
  EXPECT_TRUE(test::contains(r.out, "***")) << r.out;
  EXPECT_FALSE(test::contains(r.out, "Pw-9x7-secret")) << r.out;
}

TEST(CliShow, InvalidOrUnreadableExits2) {
  test::temp_dir dir;
  const auto bad = dir.write("bad.toml", "[outgoing_pools.generic.default]\nworkers = 0\n");
  const test::cli_result r = run_cli({"show", bad.string(), "--json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::contains(r.err, "outgoing_pools.generic.default.workers")) << r.err;
  EXPECT_EQ(run_cli({"show", (dir.path() / "nope.toml").string()}).exit_code, 2);
}

TEST(CliReference, PrintsTheGeneratedReference) {
  const test::cli_result r = run_cli({"reference"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, reference_markdown());
}

}  // namespace
}  // namespace outpools
