#include "config/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace outpools::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance, three rows of the dynamic-programming table.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  const std::string needle = lower(word.substr(0, 256));
  const std::size_t limit = std::max<std::size_t>(2, needle.size() / 3);
  // A close typo first; else a name that contains the word or is contained in it ("verify" for
  // verify_peer, "hostname" for host), the nearest of those.
  std::optional<std::string> best;
  std::pair<bool, std::size_t> best_rank{true, 0};
  for (const std::string& candidate : candidates) {
    const std::string name = lower(candidate);
    const std::size_t d = edit_distance(needle, name);
    const bool contained =
        std::min(needle.size(), name.size()) >= 3 &&
        (name.find(needle) != std::string::npos || needle.find(name) != std::string::npos);
    if (d > limit && !contained) continue;
    const std::pair<bool, std::size_t> rank{d > limit, d};
    if (!best || rank < best_rank) {
      best_rank = rank;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best = nearest_name(word, candidates);
  return best ? "; did you mean \"" + *best + "\"?" : "";
}

}  // namespace outpools::config
