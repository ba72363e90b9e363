// The law-family simulator: reproducible by seed, its optimum at the target is the one it
// was built with (found again by the dense search `mixbo bench` uses), and its knobs (transfer
// across scales, interior or face optimum) take both kinds of values over the family.
#include <gtest/gtest.h>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/sim/dense_optimum.hpp"
#include "mixbo/sim/law_family.hpp"

using namespace mixbo;

namespace {

// The minimiser at `params` by a dense search over the simplex (what the bench does).
Eigen::VectorXd minimiser(const LawFamilySimulator& sim, int k, double params) {
  const auto cfg = load_config(
      "", {"--campaign.name=lf", "--campaign.budget=1", "--objective.metric=loss",
           "--space.domains=" + std::string(k == 3 ? "a,b,c" : "a,b,c,d,e"),
           "--scales.names=20M,100M,1B", "--scales.target=1B", "--simulator.type=law-family"});
  (void)params;
  const DenseOptimum d = dense_optimum(sim, cfg.objective, cfg.space, 4096, 4, 1);
  return d.w;
}

}  // namespace

TEST(LawFamily, ReproducibleBySeed) {
  const LawFamilySimulator a(7, 5, 1e9), b(7, 5, 1e9), c(8, 5, 1e9);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  EXPECT_EQ(a.evaluate(w, 2e7, 500)[0], b.evaluate(w, 2e7, 500)[0]);
  EXPECT_NE(a.evaluate(w, 2e7, 500)[0], c.evaluate(w, 2e7, 500)[0]);
  EXPECT_EQ(a.optimum(), b.optimum());
}

TEST(LawFamily, TheOptimumAtTheTargetIsKnown) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    const LawFamilySimulator sim(seed, 3, 1e9);
    const Eigen::VectorXd w = minimiser(sim, 3, 1e9);
    EXPECT_LT((w - sim.optimum()).cwiseAbs().maxCoeff(), 0.02)
        << "seed " << seed << ": " << w.transpose() << " vs " << sim.optimum().transpose();
    // Nothing beats it, at any step count.
    for (std::int64_t steps : {1000, 20000})
      EXPECT_LE(sim.evaluate(sim.optimum(), 1e9, steps)[0], sim.evaluate(w, 1e9, steps)[0] + 1e-12);
  }
}

TEST(LawFamily, TransferAndOptimumKindVaryOverTheFamily) {
  int faces = 0, interior = 0, good = 0, poor = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const LawFamilySimulator sim(seed, 5, 1e9);
    const auto& m = sim.member();
    if (m.on_face) {
      ++faces;
      EXPECT_EQ(m.w_star.minCoeff(), 0.0) << seed;
    } else {
      ++interior;
      EXPECT_GE(m.w_star.minCoeff(), 0.05 - 1e-12) << seed;
    }
    EXPECT_NEAR(m.w_star.sum(), 1.0, 1e-12);
    good += m.tau > 0.8;
    poor += m.tau < 0.2;
  }
  EXPECT_GT(faces, 5);
  EXPECT_GT(interior, 5);
  EXPECT_GT(good, 2);
  EXPECT_GT(poor, 2);
}

// With poor transfer the best mixture of a 20M model is far from the target's; with good
// transfer it is close: the family spans both cases on purpose.
TEST(LawFamily, SmallScaleOptimumMovesWithPoorTransfer) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const LawFamilySimulator sim(seed, 5, 1e9);
    const double tau = sim.member().tau;
    if (tau > 0.2 && tau < 0.9) continue;
    // The mixture effect's minimiser at 20M: evaluate the quadratic's centre directly.
    const Eigen::VectorXd at_target = sim.optimum();
    double best = 1e300;
    Eigen::VectorXd arg;
    for (int i = 0; i < 2000; ++i) {  // a cheap random search is enough to see the shift
      Eigen::VectorXd w = Eigen::VectorXd::Random(5).cwiseAbs();
      w /= w.sum();
      const double v = sim.evaluate(w, 2e7, 20000)[0];
      if (v < best) best = v, arg = w;
    }
    const double v_target_mix = sim.evaluate(at_target, 2e7, 20000)[0];
    if (tau >= 0.9)
      EXPECT_LT(v_target_mix - best, 0.02 * best) << "seed " << seed << " tau " << tau;
    else
      EXPECT_GT(v_target_mix - best, 0.0) << "seed " << seed << " tau " << tau;
  }
}
