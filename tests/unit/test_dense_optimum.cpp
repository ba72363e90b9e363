// The reference optimum `mixbo bench` measures strategies against.
#include <gtest/gtest.h>

#include <filesystem>

#include "mixbo/core/error.hpp"
#include "mixbo/sim/bimix_simulator.hpp"
#include "mixbo/sim/dense_optimum.hpp"
#include "mixbo/sim/mlp_simulator.hpp"
#include "mixbo/space/sampling.hpp"
#include "slim_domains.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

ObjectiveOptions metric(const std::string& name, bool minimize = true) {
  ObjectiveOptions o;
  o.terms = {{name, 1.0}};
  o.minimize = minimize;
  return o;
}

SearchSpace space(BoundedSimplex s) {
  return SearchSpace(std::move(s), ScaleLadder::paper_default(), StepGrid(100, 19500, {}));
}

// No Dirichlet sample may beat the optimum, and the local refinement must not lose to the sweep.
void check_optimum(const Simulator& sim, const ObjectiveOptions& o, const SearchSpace& sp) {
  const auto opt = dense_optimum(sim, o, sp, 1 << 12, 8, 3);
  const SimulatedObjective f(sim, o);
  EXPECT_TRUE(sp.simplex().contains(opt.w, 1e-9)) << opt.w.transpose();
  EXPECT_NEAR(f(opt.w, 1e9, 19500), opt.value, 1e-12);
  EXPECT_LE(opt.value, opt.sweep_value);
  Rng rng = make_rng(11, 0);
  const auto W = sample_dirichlet(sp.simplex(), 1.0, 3000, rng);
  for (int r = 0; r < W.rows(); ++r)
    ASSERT_GE(f(W.row(r).transpose(), 1e9, 19500), opt.value - 1e-12);
}

}  // namespace

TEST(DenseOptimum, BimixUnboundedAndBounded) {
  BimixSimulator sim(test::kSlim);
  check_optimum(sim, metric("StackExchange_CE"), space(BoundedSimplex(test::kSlim)));
  Eigen::VectorXd lo = Eigen::VectorXd::Constant(5, 0.02), hi = Eigen::VectorXd::Constant(5, 0.3);
  const auto bounded = space(BoundedSimplex(test::kSlim, lo, hi));
  check_optimum(sim, metric("StackExchange_CE"), bounded);
  // The bound binds: the unbounded optimum puts about half the mass on StackExchange.
  EXPECT_NEAR(dense_optimum(sim, metric("StackExchange_CE"), bounded, 1 << 10, 4).w[1], 0.3, 1e-6);
}

TEST(DenseOptimum, MaximisedObjectiveIsNegated) {
  BimixSimulator sim(test::kSlim);
  const SimulatedObjective lo(sim, metric("Github_CE")), hi(sim, metric("Github_CE", false));
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  EXPECT_EQ(lo(w, 1e8, 1000), -hi(w, 1e8, 1000));
  EXPECT_THROW(SimulatedObjective(sim, metric("C4_CE")), ConfigError);
}

TEST(DenseOptimum, PaperSimulator) {
  const auto file = fs::path(MIXBO_SHARED_DIR) / "data/paper-sim/simulator_mlp_20250119.json";
  if (!fs::exists(file)) GTEST_SKIP() << "no " << file;
  MlpSimulator sim(file);
  check_optimum(sim, metric("StackExchange_CE"), space(BoundedSimplex(test::kSlim)));
}
