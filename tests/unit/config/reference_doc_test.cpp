// docs/configuration.md holds, between its GENERATED markers, exactly reference_markdown(): the
// reference generated from the schema tables. Regenerate with `outpools reference`.
#include <fstream>
#include <sstream>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

constexpr std::string_view begin_marker = "<!-- BEGIN GENERATED REFERENCE -->";
constexpr std::string_view end_marker = "<!-- END GENERATED REFERENCE -->";

TEST(ReferenceDoc, GeneratedRegionEqualsSchemaReference) {
  const std::filesystem::path doc =
      std::filesystem::path(OUTPOOLS_SOURCE_DIR) / "docs" / "configuration.md";
  std::ifstream in(doc, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << doc;
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();

  const std::size_t begin = text.find(begin_marker);
  ASSERT_NE(begin, std::string::npos) << "no " << begin_marker << " in " << doc;
  const std::size_t end = text.find(end_marker, begin);
  ASSERT_NE(end, std::string::npos) << "no " << end_marker << " after the BEGIN marker";
  EXPECT_EQ(text.find(begin_marker, begin + 1), std::string::npos) << "two BEGIN markers";

  std::size_t from = begin + begin_marker.size();
  if (from < end && text[from] == '\n') ++from;
  std::size_t to = end;
  if (to > from && text[to - 1] == '\n') --to;
  std::string region = text.substr(from, to - from);

  // Equal up to the final newline(s), which the markers' own lines absorb.
  std::string expected = reference_markdown();
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  while (!region.empty() && region.back() == '\n') region.pop_back();
  EXPECT_EQ(region, expected)
      << "docs/configuration.md is out of date: replace its generated region with the output of "
         "`outpools reference`";
}

TEST(ReferenceDoc, ReferenceNamesEveryTypeAndOption) {
  const std::string ref = reference_markdown();
  for (const char* name : {"cassandra",
                           "riak",
                           "redis",
                           "http",
                           "elastic",
                           "rdbms",
                           "rabbit",
                           "ldap",
                           "generic",
                           "scope",
                           "strategy",
                           "workers",
                           "call_timeout",
                           "connect_timeout",
                           "reconnect_backoff_min",
                           "reconnect_backoff_max",
                           "keepalive_interval",
                           "path_prefix",
                           "request_timeout",
                           "database",
                           "credentials",
                           "servers",
                           "keyspace",
                           "amqp_host",
                           "max_worker_queue_len",
                           "connect_interval",
                           "encrypt",
                           "verify_peer",
                           "cacertfile",
                           "dhfile",
                           "ciphers",
                           "versions",
                           "server_name_indication"}) {
    EXPECT_TRUE(test::contains(ref, name)) << name;
  }
}

}  // namespace
}  // namespace outpools
