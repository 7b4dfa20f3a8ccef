// did_you_mean.hpp — the nearest known name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpools::config {

/// Edit distance between `a` and `b` (insertions, deletions, substitutions and transpositions of
/// adjacent characters each count 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word`, when it is close enough to be a likely typo (distance at most
/// max(2, len/3), case ignored) or, failing that, when one contains the other (at least three
/// characters: "verify" for verify_peer); nullopt otherwise.
std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// `; did you mean "x"?` for the nearest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace outpools::config
