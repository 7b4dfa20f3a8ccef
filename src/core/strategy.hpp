// strategy.hpp — how a pool picks a worker (pure functions over the workers' load words).
//
// Each worker has one load word: the number of requests assigned to it and not finished (waiting
// in its mailbox or running), plus `not_connected_bit` while its connection is not up. So the
// smallest word is a connected worker with the fewest requests, and a disconnected worker is
// smallest only when no worker is connected.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace outpools::detail {

inline constexpr std::uint32_t not_connected_bit = 1u << 31;
inline constexpr std::size_t no_worker = static_cast<std::size_t>(-1);
using load_word = std::atomic<std::uint32_t>;

/// best_worker: the index with the smallest word, scanning from `start` (ties go to the first met,
/// so rotating `start` spreads ties). Does not claim it. `loads` non-empty. Thread-safe (relaxed
/// reads: under concurrent calls the choice may be one request stale).
std::size_t pick_best(std::span<const load_word> loads, std::size_t start) noexcept;

/// next_available_worker: claims (0 → 1) the first idle connected worker at or after `start` in
/// round-robin order and returns it, or no_worker when none is idle. Thread-safe (CAS).
std::size_t claim_next_available(std::span<load_word> loads, std::size_t start) noexcept;

/// hash_worker: the worker of `key` (stable for a given key and pool size).
std::size_t pick_by_hash(std::string_view key, std::size_t workers) noexcept;

/// random_worker: a uniformly random index below `workers` (thread-local xorshift generator).
std::size_t pick_random(std::size_t workers) noexcept;

}  // namespace outpools::detail
