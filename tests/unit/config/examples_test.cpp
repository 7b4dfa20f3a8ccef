// Every file in config/examples/ (globbed when the test runs) and config/quickstart.toml passes
// `outpools check`, and together the examples cover all nine pool types.
#include <set>

#include "unit/config/cli_runner.hpp"

namespace outpools {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> example_files() {
  std::vector<fs::path> files;
  const fs::path folder = fs::path(OUTPOOLS_SOURCE_DIR) / "config" / "examples";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigExamples, EveryExamplePassesCheck) {
  const std::vector<fs::path> files = example_files();
  ASSERT_FALSE(files.empty()) << "no .toml file in config/examples/";
  std::set<std::string> types;
  for (const fs::path& file : files) {
    const test::cli_result r = test::run_cli({"check", file.string()});
    EXPECT_EQ(r.exit_code, 0) << file << "\n" << r.err;
    const auto lines = test::lines_of(r.out);
    EXPECT_FALSE(lines.empty()) << file << " defines no pool";
    for (const std::string& line : lines) {
      const std::string type = test::summary_type(line);
      if (!type.empty()) {
        types.insert(type);
      } else {
        ADD_FAILURE() << file << ": unexpected line: " << line;
      }
    }
    // the library agrees and has no warning about it
    const load_result loaded = load_config_file(file);
    EXPECT_FALSE(loaded.has_errors()) << file << "\n" << test::dump(loaded);
    EXPECT_TRUE(test::of_level(loaded, diagnostic::level::warning).empty()) << file << "\n"
                                                                            << test::dump(loaded);
  }
  const std::set<std::string> all{"cassandra", "riak",   "redis", "http",   "elastic",
                                  "rdbms",     "rabbit", "ldap",  "generic"};
  EXPECT_EQ(types, all) << "config/examples/ must hold an example of every pool type";
}

TEST(ConfigExamples, QuickstartPassesCheck) {
  const fs::path file = fs::path(OUTPOOLS_SOURCE_DIR) / "config" / "quickstart.toml";
  ASSERT_TRUE(fs::exists(file));
  const test::cli_result r = test::run_cli({"check", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
}

}  // namespace
}  // namespace outpools
