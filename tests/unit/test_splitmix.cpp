#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "mixbo/core/splitmix.hpp"

namespace splitmix_test {

using mixbo::kGoldenGamma;
using mixbo::splitmix64;

// The reference generator's first outputs (Vigna's splitmix64.c): from state 0, and the five
// from seed 1234567 that other implementations are checked against. The generator adds the
// increment before each output, so output i of seed s is splitmix64(s + i * increment).
TEST(SplitMix, MatchesTheReferenceGenerator) {
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  constexpr std::array<std::uint64_t, 5> expected{6457827717110365317ULL, 3203168211198807973ULL,
                                                  9817491932198370423ULL, 4593380528125082431ULL,
                                                  16408922859458223821ULL};
  for (std::uint64_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(splitmix64(1234567 + i * kGoldenGamma), expected[i]) << "output " << i;
}

// Derived seeds are computed at compile time where their inputs are constants.
static_assert(splitmix64(0) == 0xe220a8397b1dcdafULL);

}  // namespace splitmix_test
