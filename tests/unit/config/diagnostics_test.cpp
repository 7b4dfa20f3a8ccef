// How problems are reported: every error at once and in order, a TOML syntax error alone at
// toml++'s position, the FILE:LINE:COL: PATH: MESSAGE format, and one note for ignored tables.
#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

using test::has_error;
using test::load;

TEST(Diagnostics, EveryErrorIsReportedInOrder) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost"]
[outgoing_pools.redis.default]
  workers = 0
  strategy = "available_worker"
  [outgoing_pools.redis.default.connection]
    port = 70000
[outgoing_pools.http.api]
  call_timeout = -1
  [outgoing_pools.http.api.connection]
    path_prefix = "/x"
[outgoing_pools.generic.jobs]
  scope = "single_host"
  host = "nowhere.example"
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.workers", "workers = 0"));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.strategy", "strategy ="));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.connection.port", "port = 70000"));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.http.api.call_timeout", "call_timeout = -1"));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.http.api.connection.host",
                        "[outgoing_pools.http.api.connection]"));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.jobs.host", "host = \"nowhere"));
  EXPECT_EQ(test::errors_of(r).size(), 6u) << test::dump(r);
  // sorted by position
  for (std::size_t i = 1; i < r.diagnostics.size(); ++i) {
    const diagnostic& a = r.diagnostics[i - 1];
    const diagnostic& b = r.diagnostics[i];
    EXPECT_TRUE(a.line < b.line || (a.line == b.line && a.column <= b.column)) << test::dump(r);
  }
}

TEST(Diagnostics, ErrorsInSeveralPoolsOfTheSameKind) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.a]
  workers = 0
[outgoing_pools.generic.b]
  workers = 10001
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.a.workers", "workers = 0"));
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.generic.b.workers", "workers = 10001"));
  EXPECT_EQ(test::errors_of(r).size(), 2u) << test::dump(r);
}

TEST(Diagnostics, FormatIsFileLineColumnPathMessage) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default.connection]
  port = 70000
)";
  const load_result r = load(text);
  const auto errors = test::errors_of(r);
  ASSERT_EQ(errors.size(), 1u) << test::dump(r);
  const diagnostic& d = errors[0];
  EXPECT_EQ(d.file, "test.toml");
  EXPECT_EQ(d.line, 2u);
  EXPECT_FALSE(d.message.empty());
  EXPECT_EQ(d.to_string(), "test.toml:2:" + std::to_string(d.column) +
                               ": outgoing_pools.redis.default.connection.port: " + d.message);
  // what was found is named
  EXPECT_TRUE(test::contains(d.message, "70000")) << d.message;
}

TEST(Diagnostics, SyntaxErrorIsReportedAloneAtTomlPosition) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  workers = 0
  strategy = "available_worker"
[outgoing_pools.generic.x]
  workers = = 3
)";
  const load_result r = load(text);
  ASSERT_EQ(r.diagnostics.size(), 1u) << test::dump(r);
  const diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.severity, diagnostic::level::error);
  EXPECT_EQ(d.file, "test.toml");
  EXPECT_EQ(d.line, 5u);
  EXPECT_GE(d.column, 11u);  // at or after the second '='
  EXPECT_LE(d.column, 13u);
  EXPECT_TRUE(r.config.pools.empty());
}

TEST(Diagnostics, DuplicateTableIsASyntaxError) {
  constexpr std::string_view text = R"(
[outgoing_pools.generic.x]
  workers = 1
[outgoing_pools.generic.x]
  workers = 2
)";
  const load_result r = load(text);
  ASSERT_EQ(r.diagnostics.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.diagnostics[0].line, 3u);
}

TEST(Diagnostics, IgnoredTopLevelTablesGiveOneNote) {
  constexpr std::string_view text = R"(
[general]
  hosts = ["localhost"]
  loglevel = "warning"
  registration_timeout = "infinity"
[listen]
  c2s = [{port = 5222}]
[auth]
  methods = ["rdbms"]
[modules.mod_disco]
[outgoing_pools.generic.default]
)";
  const load_result r = load(text);
  EXPECT_FALSE(r.has_errors()) << test::dump(r);
  const auto notes = test::of_level(r, diagnostic::level::note);
  EXPECT_EQ(notes.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.diagnostics.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.config.pools.size(), 1u);
  if (!notes.empty()) {
    EXPECT_TRUE(test::contains(notes[0].to_string(), "note: ")) << notes[0].to_string();
  }
}

TEST(Diagnostics, NothingIgnoredNoNote) {
  const load_result r = load(R"(
[general]
  hosts = ["localhost"]
[outgoing_pools.generic.default]
)");
  EXPECT_TRUE(r.diagnostics.empty()) << test::dump(r);
}

TEST(Diagnostics, UnknownKeyDirectlyInOutgoingPoolsIsAnError) {
  constexpr std::string_view text = R"(
[outgoing_pools]
  workers = 5
)";
  const load_result r = load(text);
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.workers", "workers = 5"));
}

TEST(Diagnostics, UnknownKeySuggestsTheNameItShortensOrLengthens) {
  // Too far apart for a typo, yet plainly meant: a part of the name, or the name and more.
  constexpr std::string_view text = R"(
[outgoing_pools.rdbms.default]
  timeout = 100
  [outgoing_pools.rdbms.default.connection]
    driver = "pgsql"
    hostname = "db.local"
    database = "mim"
    user = "mim"
    pass = "secret"
    keepalive = 30
    [outgoing_pools.rdbms.default.connection.tls]
      verify = true
      cacert = "ca.pem"
)";
  const load_result r = load(text);
  const std::string conn = "outgoing_pools.rdbms.default.connection.";
  const std::pair<std::string, std::string> cases[] = {
      {"outgoing_pools.rdbms.default.timeout", "\"call_timeout\""},
      {conn + "hostname", "\"host\""},
      {conn + "user", "\"username\""},
      {conn + "pass", "\"password\""},
      {conn + "keepalive", "\"keepalive_interval\""},
      {conn + "tls.verify", "\"verify_peer\""},
      {conn + "tls.cacert", "\"cacertfile\""}};
  for (const auto& [path, name] : cases) {
    const std::string key = path.substr(path.rfind('.') + 1) + " =";
    EXPECT_TRUE(has_error(r, text, path, key, "did you mean " + name));
  }
}

TEST(Diagnostics, UnrelatedUnknownKeySuggestsNothing) {
  constexpr std::string_view text = R"(
[outgoing_pools.redis.default]
  zq = 1
)";
  const load_result r = load(text);
  EXPECT_TRUE(has_error(r, text, "outgoing_pools.redis.default.zq", "zq = 1"));
  for (const diagnostic& d : r.diagnostics)
    EXPECT_FALSE(test::contains(d.message, "did you mean")) << test::dump(r);
}

TEST(Diagnostics, OutgoingPoolsMustBeATable) {
  constexpr std::string_view text = R"(
outgoing_pools = 5
)";
  EXPECT_CONFIG_ERROR(text, "outgoing_pools", "outgoing_pools = 5");
}

TEST(Diagnostics, UnreadableFileIsAnErrorNotAThrow) {
  test::temp_dir dir;
  const load_result r = load_config_file(dir.path() / "does-not-exist.toml");
  EXPECT_TRUE(r.has_errors());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_TRUE(test::contains(r.diagnostics[0].to_string(), "does-not-exist.toml")) << test::dump(r);
}

TEST(Diagnostics, FolderInsteadOfFileIsAnError) {
  test::temp_dir dir;
  const load_result r = load_config_file(dir.path());
  EXPECT_TRUE(r.has_errors()) << test::dump(r);
}

TEST(Diagnostics, FileNameOfLoadedFileIsUsed) {
  test::temp_dir dir;
  const std::filesystem::path file =
      dir.write("bad.toml", "[outgoing_pools.generic.default]\nworkers = 0\n");
  const load_result r = load_config_file(file);
  const auto errors = test::errors_of(r);
  ASSERT_EQ(errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(errors[0].file, file.string());
  EXPECT_EQ(errors[0].line, 2u);
  EXPECT_EQ(errors[0].path, "outgoing_pools.generic.default.workers");
}

}  // namespace
}  // namespace outpools
