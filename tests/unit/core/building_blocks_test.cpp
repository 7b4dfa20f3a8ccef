// The pure pieces under the pool: mailbox bounds, worker selection, the latency histogram.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/mailbox.hpp"
#include "core/strategy.hpp"
#include "outpools/latency_histogram.hpp"

namespace outpools::detail {
namespace {

struct plain_request final : request {
  std::optional<call_result> start(job_host&) override { return call_result::success(); }
  void deliver(call_result) override {}
  bool synchronous() const noexcept override { return true; }
};

TEST(mailbox, unbounded_is_fifo) {
  std::array<plain_request, 3> r;
  mailbox box;
  for (auto& x : r) EXPECT_EQ(box.push(&x, false), nullptr);
  EXPECT_EQ(box.size(), 3u);
  box.unlink(&r[1]);
  EXPECT_EQ(box.pop_front(), &r[0]);
  EXPECT_EQ(box.pop_front(), &r[2]);
  EXPECT_TRUE(box.empty());
  EXPECT_EQ(box.pop_front(), nullptr);
}

TEST(mailbox, full_pushes_out_the_oldest_waiting) {
  std::array<plain_request, 4> r;
  mailbox box(2);
  EXPECT_EQ(box.push(&r[0], false), nullptr);
  EXPECT_EQ(box.push(&r[1], false), nullptr);
  EXPECT_EQ(box.push(&r[2], false), &r[0]);
  EXPECT_EQ(box.push(&r[3], true), &r[1]);
  EXPECT_EQ(box.size(), 2u);
  EXPECT_EQ(box.pop_front(), &r[2]);
  EXPECT_EQ(box.pop_front(), &r[3]);
}

TEST(mailbox, zero_drops_unless_the_worker_can_start_it_now) {
  std::array<plain_request, 2> r;
  mailbox box(0);
  EXPECT_EQ(box.push(&r[0], false), &r[0]);
  EXPECT_TRUE(box.empty());
  EXPECT_EQ(box.push(&r[0], true), nullptr);
  EXPECT_EQ(box.push(&r[1], true), &r[1]);  // something already waits
}

std::vector<load_word> loads_of(std::initializer_list<std::uint32_t> values) {
  std::vector<load_word> v(values.size());
  std::size_t i = 0;
  for (std::uint32_t x : values) v[i++].store(x);
  return v;
}

TEST(strategy, best_is_the_fewest_requests_among_connected) {
  auto loads = loads_of({2, 1, not_connected_bit, 3});
  for (std::size_t start = 0; start < 4; ++start) EXPECT_EQ(pick_best(loads, start), 1u);
  auto none_connected = loads_of({not_connected_bit + 2, not_connected_bit + 1});
  EXPECT_EQ(pick_best(none_connected, 0), 1u);
  auto busy_connected = loads_of({5, not_connected_bit});
  EXPECT_EQ(pick_best(busy_connected, 1), 0u);  // disconnected never beats connected
  auto ties = loads_of({1, 1, 1});
  EXPECT_EQ(pick_best(ties, 2), 2u);  // ties go to the first met from start
}

TEST(strategy, next_available_claims_idle_connected_in_round_robin) {
  auto loads = loads_of({1, 0, not_connected_bit, 0});
  EXPECT_EQ(claim_next_available(loads, 2), 3u);
  EXPECT_EQ(loads[3].load(), 1u);
  EXPECT_EQ(claim_next_available(loads, 2), 1u);
  EXPECT_EQ(claim_next_available(loads, 0), no_worker);
}

TEST(strategy, hash_is_stable_and_in_range) {
  for (std::size_t n : {1u, 7u, 100u}) {
    EXPECT_EQ(pick_by_hash("alice@localhost", n), pick_by_hash("alice@localhost", n));
    EXPECT_LT(pick_by_hash("bob", n), n);
  }
  EXPECT_NE(pick_by_hash("a", 1000), pick_by_hash("b", 1000));
}

TEST(strategy, random_covers_every_worker_in_range) {
  std::array<int, 5> seen{};
  for (int i = 0; i < 5000; ++i) {
    const std::size_t w = pick_random(5);
    ASSERT_LT(w, 5u);
    ++seen[w];
  }
  for (int c : seen) EXPECT_GT(c, 700);  // expected 1000 each; 700 is > 10 standard deviations off
}

TEST(latency_histogram, buckets_are_monotonic_and_bound_their_values) {
  for (std::uint64_t v :
       {0ull, 1ull, 15ull, 16ull, 17ull, 100ull, 1000ull, 123456ull, 1ull << 39}) {
    const std::size_t b = latency_histogram::bucket_of(v);
    EXPECT_GE(latency_histogram::upper_bound_of(b), v) << v;
    if (b > 0) {
      EXPECT_LT(latency_histogram::upper_bound_of(b - 1), v) << v;
    }
  }
  EXPECT_EQ(latency_histogram::bucket_of(1ull << 45), latency_histogram::bucket_count - 1);
}

TEST(latency_histogram, percentiles) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  const latency_summary s = h.summary();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.max_us, 100u);
  EXPECT_GE(s.p50_us, 50u);
  EXPECT_LE(s.p50_us, 50u * 9 / 8);
  EXPECT_GE(s.p99_us, 99u);
  EXPECT_LE(s.p99_us, 100u);
  latency_histogram merged;
  merged.merge(h);
  merged.merge(h);
  EXPECT_EQ(merged.count(), 200u);
}

}  // namespace
}  // namespace outpools::detail
