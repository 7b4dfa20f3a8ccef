#include "outpools/stats.hpp"

namespace outpools {

std::uint64_t outcome_counts::total() const noexcept {
  std::uint64_t n = 0;
  for (std::uint64_t v : by_outcome) n += v;
  return n;
}

outcome_counts& outcome_counts::operator+=(const outcome_counts& other) noexcept {
  for (std::size_t i = 0; i < outcome_slots; ++i) by_outcome[i] += other.by_outcome[i];
  return *this;
}

}  // namespace outpools
