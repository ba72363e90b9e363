// The seed noise's size read from repeated runs (strategy/run_noise_estimate.hpp): closed forms
// for shifted copies of one curve, which runs count as repeats and which checkpoints, and the
// estimate against known sizes of both noises over many simulated repeats.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/run_noise_estimate.hpp"

using namespace mixbo;

namespace {

const Eigen::Vector3d kW(0.5, 0.3, 0.2);
const Eigen::Vector3d kOther(0.2, 0.3, 0.5);

double curve(std::int64_t step) { return 3.0 + 10.0 / std::sqrt(static_cast<double>(step)); }

// A run of `budget` steps with checkpoints every 100 steps up to `last` (the budget: finished),
// its curve scaled by 1 + shift, plus noise(step) at each checkpoint.
void add_run(History& h, const Eigen::VectorXd& w, int scale, std::int64_t budget, double shift,
             const std::function<double()>& noise = {}, std::int64_t last = -1) {
  const std::string trial = "t" + std::to_string(h.runs.size());
  h.runs.push_back({w, scale, budget});
  for (std::int64_t s = 100; s <= (last < 0 ? budget : last); s += 100)
    h.observations.push_back(
        {{w, scale, s}, curve(s) * (1 + shift) + (noise ? noise() : 0.0), trial, budget});
}

}  // namespace

TEST(RunNoiseEstimate, NoRepeatsMeasureNothing) {
  History h;
  add_run(h, kW, 0, 1000, 0.01);
  add_run(h, kOther, 0, 1000, -0.01);
  const RunNoiseEstimate e = estimate_run_noise(h);
  EXPECT_EQ(e.contrasts, 0);
  EXPECT_EQ(e.sd, 0.0);
  EXPECT_FALSE(e.exact);  // nothing repeated: nothing shown about the seed
}

TEST(RunNoiseEstimate, IdenticalRepeatsMeasureZero) {
  History h;
  add_run(h, kW, 0, 1000, 0.0);
  add_run(h, kW, 0, 1000, 0.0);
  const RunNoiseEstimate e = estimate_run_noise(h);
  EXPECT_EQ(e.contrasts, 1);
  EXPECT_EQ(e.sd, 0.0);
  EXPECT_EQ(e.checkpoint_sd, 0.0);
  EXPECT_TRUE(e.exact);
  // Three identical copies: their mean need not round to their value, the agreement still holds.
  add_run(h, kW, 0, 1000, 0.0);
  EXPECT_TRUE(estimate_run_noise(h).exact);
  // One checkpoint of a further repeat off by the last bit: a seed that matters, however little.
  add_run(h, kOther, 0, 1000, 0.0);
  add_run(h, kOther, 0, 1000, 0.0);
  h.observations.back().value = std::nextafter(h.observations.back().value, 10.0);
  EXPECT_FALSE(estimate_run_noise(h).exact);
}

// Two copies scaled by 1 +- a lie a / (1 +- ...) apart as fractions of their mean at every
// checkpoint: one contrast d = 2a, and sd^2 = d^2 / 2 (Var(shift_1 - shift_2) = 2 sd^2).
TEST(RunNoiseEstimate, APairOfShiftedCopiesGivesTheirDifferenceOverRootTwo) {
  History h;
  const double a = 0.004;
  add_run(h, kW, 0, 1000, a);
  add_run(h, kW, 0, 1000, -a);
  const RunNoiseEstimate e = estimate_run_noise(h);
  EXPECT_EQ(e.contrasts, 1);
  EXPECT_NEAR(e.sd, 2 * a / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(e.checkpoint_sd, 0.0, 1e-12);
  EXPECT_FALSE(e.exact);
  // Three copies: deviations -a, 0, a from the mean, two contrasts.
  add_run(h, kW, 0, 1000, 0.0);
  const RunNoiseEstimate three = estimate_run_noise(h);
  EXPECT_EQ(three.contrasts, 2);
  EXPECT_NEAR(three.sd, std::sqrt((a * a + a * a) / 2), 1e-12);
}

// Repeats share mixture, scale and step budget, and have finished; only the last half of the
// steps is read.
TEST(RunNoiseEstimate, OnlyFinishedRunsOfOneMixtureScaleAndBudgetAreRepeats) {
  History h;
  add_run(h, kW, 0, 1000, 0.01);
  add_run(h, kOther, 0, 1000, -0.01);       // another mixture
  add_run(h, kW, 1, 1000, -0.01);           // another scale
  add_run(h, kW, 0, 2000, -0.01);           // another budget (schedule)
  add_run(h, kW, 0, 1000, -0.01, {}, 800);  // still going
  History unknown;                          // budgets not known
  add_run(unknown, kW, 0, 1000, 0.01);
  add_run(unknown, kW, 0, 1000, -0.01);
  for (auto& o : unknown.observations) o.run_steps = 0;
  EXPECT_EQ(estimate_run_noise(h).contrasts, 0);
  EXPECT_EQ(estimate_run_noise(unknown).contrasts, 0);
  // Runs that differ only before half their steps (early training) are the same late on.
  History early;
  add_run(early, kW, 0, 1000, 0.0);
  add_run(early, kW, 0, 1000, 0.0);
  for (auto& o : early.observations)
    if (o.trial == "t1" && o.point.steps < 500) o.value += 0.5;
  const RunNoiseEstimate e = estimate_run_noise(early);
  EXPECT_EQ(e.contrasts, 1);
  EXPECT_EQ(e.sd, 0.0);
}

// Many groups of three repeats with known sizes of both noises: the estimate finds each, and
// checkpoint noise alone is not read as seed noise.
TEST(RunNoiseEstimate, RecoversKnownSizesOfBothNoises) {
  for (const double seed_sd : {0.0, 0.004}) {
    History h;
    Rng rng = make_rng(7, static_cast<std::uint64_t>(seed_sd * 1e6));
    std::normal_distribution<double> shift(0, seed_sd), checkpoint(0, 0.002 * curve(1000));
    for (int g = 0; g < 300; ++g) {
      const Eigen::Vector3d w(0.2 + 0.001 * g, 0.3, 0.5 - 0.001 * g);
      for (int r = 0; r < 3; ++r)
        add_run(h, w, 0, 1000, shift(rng), [&] { return checkpoint(rng); });
    }
    const RunNoiseEstimate e = estimate_run_noise(h);
    EXPECT_EQ(e.contrasts, 600);
    // Checkpoint noise of 0.002 of the last checkpoint's loss is a little less as a fraction
    // of the late curve's mean (which is higher).
    EXPECT_NEAR(e.checkpoint_sd, 0.002 * curve(1000) / curve(750), 2e-4) << seed_sd;
    if (seed_sd == 0)
      EXPECT_LT(e.sd, 0.0006);  // 6 checkpoints: 0.002 / sqrt(6) would be read without the term
    else
      EXPECT_NEAR(e.sd, seed_sd, 0.0004);
  }
}
