#pragma once
// splitmix64 (Steele, Lea & Flood 2014; Vigna's reference code): its output finaliser turns
// nearby integers (seed and iteration, seed and stream, a hash and a salt) into unrelated ones,
// which is what every derived seed in mixbo needs. One copy, so that a derived seed cannot drift
// from the archives' and the benches' recorded runs through an edited constant.
#include <cstdint>

namespace mixbo {

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;  // splitmix64's increment

// The finaliser alone (Stafford's variant 13).
constexpr std::uint64_t mix_bits(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The generator's output for state x: splitmix64(0) is its first number from seed 0.
constexpr std::uint64_t splitmix64(std::uint64_t x) { return mix_bits(x + kGoldenGamma); }

}  // namespace mixbo
