#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mixbo/core/error.hpp"
#include "mixbo/strategy/curve_smoothing.hpp"

using mixbo::CurvePoint;
using mixbo::smoothed_checkpoint;

namespace {

// Checkpoints every 100 steps up to `last`, of value f(steps).
template <class F>
std::vector<CurvePoint> curve_of(F f, int last) {
  std::vector<CurvePoint> c;
  for (int s = 100; s <= last; s += 100) c.push_back({static_cast<double>(s), f(s)});
  return c;
}

}  // namespace

// A curve that is a straight line in log steps is read back exactly, at its end (a one-sided
// window) and inside it.
TEST(CurveSmoothing, ALineInLogStepsIsReadExactly) {
  const auto line = [](double s) { return 3.0 - 0.25 * std::log(s); };
  const auto c = curve_of(line, 19500);
  for (size_t j : {c.size() - 1, c.size() / 2, size_t{30}})
    EXPECT_NEAR(smoothed_checkpoint(c, j, 0.1), line(c[j].steps), 1e-12) << c[j].steps;
}

// A power-law loss curve (curved in log steps) is read within its curvature over the window:
// far below the 0.5% that decides whether an answer is good.
TEST(CurveSmoothing, APowerLawCurveKeepsItsValue) {
  const auto loss = [](double s) { return 0.8 + 2.0 * std::pow(s, -0.5); };
  const auto c = curve_of(loss, 19500);
  const double end = smoothed_checkpoint(c, c.size() - 1, 0.1);
  EXPECT_LT(std::abs(end / loss(19500) - 1), 1e-4);
}

// White noise at every checkpoint: the smoothed end of the curve is nearer the truth than the
// last reading, by the factor the window's 19 checkpoints give (the end of a line fit has
// variance sigma^2 (1/n + ubar^2 / Suu), about a fifth of sigma^2 here).
TEST(CurveSmoothing, NoiseAtEveryCheckpointAverages) {
  const auto loss = [](double s) { return 0.8 + 2.0 * std::pow(s, -0.5); };
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.003);
  double raw = 0, smooth = 0;
  const int reps = 400;
  for (int r = 0; r < reps; ++r) {
    auto c = curve_of(loss, 19500);
    for (auto& p : c) p.value += noise(rng);
    const double truth = loss(19500);
    raw += std::pow(c.back().value - truth, 2);
    smooth += std::pow(smoothed_checkpoint(c, c.size() - 1, 0.1) - truth, 2);
  }
  EXPECT_LT(smooth, raw / 3.5);
  EXPECT_GT(smooth, raw / 8.0);
}

// Only checkpoints within the window count; with fewer than three there, the reading stands.
TEST(CurveSmoothing, TheWindowIsLocal) {
  std::vector<CurvePoint> c = {{1000, 1.0}, {1100, 1.1}, {1200, 1.2}, {5000, 9.0}};
  EXPECT_DOUBLE_EQ(smoothed_checkpoint(c, 3, 0.1), 9.0);  // alone in its window
  // 1000 .. 1200 are within a factor exp(0.2) of 1100; 5000 is not.
  EXPECT_NEAR(smoothed_checkpoint(c, 1, 0.2), 1.1, 0.01);
  EXPECT_DOUBLE_EQ(smoothed_checkpoint(c, 1, 0.01), 1.1);  // 1 checkpoint in the window
  EXPECT_THROW(smoothed_checkpoint(c, 4, 0.1), mixbo::Error);
}
