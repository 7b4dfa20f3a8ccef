#include "drivers/rdbms/number_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "support/comma_numbers.hpp"

namespace outpools::rdbms {
namespace {

TEST(number_text, reads_what_servers_write) {
  EXPECT_EQ(parse_double("1.5"), 1.5);
  EXPECT_EQ(parse_double("-2.5e-308"), -2.5e-308);
  EXPECT_EQ(parse_double("1E+300"), 1e300);
  EXPECT_EQ(parse_double("5e-324"), 5e-324);  // the smallest subnormal, as PostgreSQL writes it
  EXPECT_EQ(parse_double("42"), 42.0);
  const auto minus_zero = parse_double("-0");
  ASSERT_TRUE(minus_zero);
  EXPECT_EQ(*minus_zero, 0.0);
  EXPECT_TRUE(std::signbit(*minus_zero));
  EXPECT_EQ(parse_double("Infinity"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_double("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_double("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_double("-INF"), -std::numeric_limits<double>::infinity());
  for (const char* nan : {"NaN", "nan", "NAN"}) {
    const auto d = parse_double(nan);
    ASSERT_TRUE(d) << nan;
    EXPECT_TRUE(std::isnan(*d)) << nan;
  }
}

TEST(number_text, refuses_what_is_not_wholly_a_number) {
  for (const char* text : {"", "-", "1,5", "1.5x", "+1", " 1", "1 ", "0x1p3", "infin", "Infinityy",
                           "1e400", "-1e400", "1e-400", "1..5", "e5"})
    EXPECT_FALSE(parse_double(text)) << '"' << text << '"';
}

TEST(number_text, writes_the_shortest_text_that_reads_back) {
  EXPECT_EQ(double_text(0.1), "0.1");
  EXPECT_EQ(double_text(42.0), "42");
  EXPECT_EQ(double_text(1e300), "1e+300");
  EXPECT_EQ(double_text(-0.0), "-0");
  EXPECT_EQ(double_text(5e-324), "5e-324");
  EXPECT_EQ(double_text(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(double_text(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(double_text(-std::numeric_limits<double>::infinity()), "-Infinity");
  std::mt19937_64 bits(7);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t b = bits();
    double d;
    std::memcpy(&d, &b, sizeof d);
    const std::string text = double_text(d);
    const auto back = parse_double(text);
    ASSERT_TRUE(back) << text;
    if (std::isnan(d)) {
      EXPECT_TRUE(std::isnan(*back)) << text;
    } else {
      EXPECT_EQ(std::memcmp(&d, &*back, sizeof d), 0) << text;
    }
  }
}

// An application that sets a decimal-comma locale reads "1.5" as 1 and writes 1.5 as "1,5"
// through strtod and printf; these read and write the servers' form still.
TEST(number_text, a_decimal_comma_locale_changes_nothing) {
  testing::comma_numbers comma;
  ASSERT_TRUE(comma.active());
  ASSERT_EQ(std::strtod("1.5", nullptr), 1.0) << "the locale is not in effect";
  EXPECT_EQ(parse_double("1.5"), 1.5);
  EXPECT_EQ(parse_double("-2.5e-3"), -2.5e-3);
  EXPECT_FALSE(parse_double("1,5"));
  EXPECT_EQ(double_text(1.5), "1.5");
  EXPECT_EQ(double_text(-2.5e-3), "-0.0025");
}

}  // namespace
}  // namespace outpools::rdbms
