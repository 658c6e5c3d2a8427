// The one integer mixer behind every seeded stream (SplitMix64, Steele et al. 2014):
// the engine's per-vehicle priorities, the brain's drawn turns, SUMO flows'
// probability draws and random trips. Deterministic on every platform.
#pragma once

#include <cstdint>

namespace cb {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The next number of the stream whose state is `*state` (SplitMix64's generator form).
inline uint64_t SplitMix64Next(uint64_t* state) {
  const uint64_t value = SplitMix64(*state);
  *state += 0x9E3779B97F4A7C15ULL;
  return value;
}

}  // namespace cb
