// find_pool: how the CLI's pool names (TYPE.TAG, TYPE.TAG@HOST) reach a configured instance.
#include <string>

#include "unit/config/config_test_support.hpp"

namespace outpools {
namespace {

constexpr std::string_view pools = R"(
[general]
  hosts = ["a.example", "b.example"]
[outgoing_pools.generic.everywhere]
[outgoing_pools.generic.per_host]
  scope = "host"
[outgoing_pools.generic.only_b]
  scope = "single_host"
  host = "b.example"
)";

struct lookup {
  const pool_spec* found = nullptr;
  std::string why;
};

lookup find(const configuration& config, std::string_view name) {
  lookup l;
  l.found = find_pool(config, name, l.why);
  return l;
}

class PoolLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    result = test::load(pools);
    ASSERT_FALSE(result.has_errors()) << test::dump(result);
  }
  load_result result;
};

TEST_F(PoolLookup, AGlobalPoolIsFoundByTypeAndTag) {
  const lookup l = find(result.config, "generic.everywhere");
  ASSERT_NE(l.found, nullptr) << l.why;
  EXPECT_EQ(l.found->name(), "generic.everywhere");
}

TEST_F(PoolLookup, AHostWithoutAPoolOfItsOwnReachesTheGlobalPool) {
  const lookup l = find(result.config, "generic.everywhere@a.example");
  ASSERT_NE(l.found, nullptr) << l.why;
  EXPECT_EQ(l.found->name(), "generic.everywhere");
}

TEST_F(PoolLookup, AnAtWithNoHostIsRefusedNotTakenForTheGlobalPool) {
  const lookup l = find(result.config, "generic.everywhere@");
  EXPECT_EQ(l.found, nullptr);
  EXPECT_NE(l.why.find("names no host after '@'"), std::string::npos) << l.why;
}

TEST_F(PoolLookup, AHostScopedInstanceIsFoundByItsFullName) {
  const lookup l = find(result.config, "generic.per_host@b.example");
  ASSERT_NE(l.found, nullptr) << l.why;
  EXPECT_EQ(l.found->name(), "generic.per_host@b.example");
  ASSERT_TRUE(l.found->host.has_value());
  EXPECT_EQ(*l.found->host, "b.example");
}

TEST_F(PoolLookup, SeveralInstancesNamedWithoutAHostAreListedNotGuessed) {
  const lookup l = find(result.config, "generic.per_host");
  EXPECT_EQ(l.found, nullptr);
  EXPECT_EQ(l.why,
            "pool generic.per_host is host-scoped: name one of generic.per_host@a.example, "
            "generic.per_host@b.example");
}

TEST_F(PoolLookup, ASingleHostPoolIsFoundByTypeAndTagAlone) {
  const lookup l = find(result.config, "generic.only_b");
  ASSERT_NE(l.found, nullptr) << l.why;
  EXPECT_EQ(l.found->name(), "generic.only_b@b.example");
}

TEST_F(PoolLookup, ASingleHostPoolIsNotFoundForAnotherHost) {
  const lookup l = find(result.config, "generic.only_b@a.example");
  EXPECT_EQ(l.found, nullptr);
  EXPECT_NE(l.why.find("no pool named generic.only_b@a.example"), std::string::npos) << l.why;
}

TEST_F(PoolLookup, AnUnknownNameListsThePoolsThereAre) {
  const lookup l = find(result.config, "rdbms.default");
  EXPECT_EQ(l.found, nullptr);
  EXPECT_EQ(l.why,
            "no pool named rdbms.default (the configuration has: generic.everywhere, "
            "generic.per_host@a.example, generic.per_host@b.example, generic.only_b@b.example)");
}

TEST(PoolLookupOneHost, AHostScopedPoolWithOneHostIsFoundByTypeAndTag) {
  const load_result r = test::load(R"(
[general]
  hosts = ["only.example"]
[outgoing_pools.generic.per_host]
  scope = "host"
)");
  ASSERT_FALSE(r.has_errors()) << test::dump(r);
  const lookup l = find(r.config, "generic.per_host");
  ASSERT_NE(l.found, nullptr) << l.why;
  EXPECT_EQ(l.found->name(), "generic.per_host@only.example");
}

}  // namespace
}  // namespace outpools
