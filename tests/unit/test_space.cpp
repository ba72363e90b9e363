#include <gtest/gtest.h>

#include <cmath>

#include "mixbo/core/error.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/space/search_space.hpp"

using namespace mixbo;

namespace {
BoundedSimplex bounded7() {
  Eigen::VectorXd lo(7), hi(7);
  lo << 0.05, 0.0, 0.1, 0.0, 0.02, 0.0, 0.0;
  hi << 0.5, 0.3, 0.6, 0.2, 1.0, 0.15, 0.4;
  return BoundedSimplex({"a", "b", "c", "d", "e", "f", "g"}, lo, hi);
}
}  // namespace

TEST(Simplex, RejectsEmptyAndDuplicates) {
  EXPECT_THROW(BoundedSimplex({"a", "a"}), ConfigError);
  EXPECT_THROW(BoundedSimplex({"a", "b"}, Eigen::Vector2d(0.6, 0.5), Eigen::Vector2d(1, 1)),
               ConfigError);
  EXPECT_THROW(BoundedSimplex({"a", "b"}, Eigen::Vector2d(0, 0), Eigen::Vector2d(0.4, 0.5)),
               ConfigError);
}

TEST(Simplex, ProjectionLandsInsideAndIsIdempotent) {
  const auto s = bounded7();
  Rng rng(1);
  std::normal_distribution<double> n(0, 1);
  for (int t = 0; t < 200; ++t) {
    Eigen::VectorXd v(7);
    for (auto& x : v) x = n(rng);
    const Eigen::VectorXd p = s.project(v);
    ASSERT_TRUE(s.contains(p)) << p.transpose();
    EXPECT_LT((s.project(p) - p).norm(), 1e-12);
  }
}

TEST(Sampling, DirichletAndSobolStayOnBoundedSimplex) {
  const auto s = bounded7();
  Rng rng(3);
  const auto d = sample_dirichlet(s, 0.3, 2000, rng);
  const auto q = sample_sobol(s, 2000, 11);
  for (const auto* m : {&d, &q})
    for (int r = 0; r < m->rows(); ++r) ASSERT_TRUE(s.contains(m->row(r).transpose(), 1e-12)) << r;
}

TEST(Sampling, DirichletMomentsMatchTheory) {
  const BoundedSimplex s({"a", "b", "c", "d"});
  Eigen::Vector4d alpha(0.5, 1.0, 2.0, 4.5);
  const double a0 = alpha.sum();
  Rng rng(42);
  const int n = 100000;
  const auto x = sample_dirichlet(s, alpha, n, rng);
  const Eigen::VectorXd mean = x.colwise().mean();
  for (int i = 0; i < 4; ++i) {
    const double m = alpha[i] / a0;
    const double var = m * (1 - m) / (a0 + 1);
    const double sample_var = (x.col(i).array() - mean[i]).square().sum() / (n - 1);
    EXPECT_NEAR(mean[i], m, 5 * std::sqrt(var / n)) << i;
    EXPECT_NEAR(sample_var, var, 0.03 * var) << i;
  }
}

TEST(Sampling, SobolIsMoreSpaceFillingThanRandom) {
  const BoundedSimplex s({"a", "b", "c", "d", "e"});
  Rng rng(5);
  // Averaged over seeds: the low-discrepancy design keeps points farther apart.
  double sobol = 0, random = 0;
  for (int seed = 0; seed < 10; ++seed) {
    sobol += min_pairwise_distance(sample_sobol(s, 256, static_cast<std::uint64_t>(seed)));
    random += min_pairwise_distance(sample_dirichlet(s, 1.0, 256, rng));
  }
  EXPECT_GT(sobol, 1.3 * random);
}

TEST(Sampling, SeededAndReproducible) {
  const auto s = bounded7();
  Rng a(9), b(9);
  EXPECT_EQ(sample_dirichlet(s, 1.0, 50, a), sample_dirichlet(s, 1.0, 50, b));
  EXPECT_EQ(sample_sobol(s, 50, 4), sample_sobol(s, 50, 4));
  EXPECT_NE(sample_sobol(s, 50, 4), sample_sobol(s, 50, 5));
}

TEST(CostModel, PaperLadderCosts) {
  const SearchSpace sp(BoundedSimplex({"a", "b"}), ScaleLadder::paper_default(),
                       StepGrid(100, 19500, {}));
  EXPECT_DOUBLE_EQ(sp.target_run_cost(), 1.0);
  EXPECT_NEAR(sp.cost(0, 19500), 0.01296, 1e-15);
  EXPECT_NEAR(sp.cost(sp.scales().index_of("300M"), 9750), 0.14773 / 2, 1e-15);
  EXPECT_NEAR(sp.cost(sp.scales().index_of("1B"), 100), 100.0 / 19500, 1e-15);
  const auto x = sp.features(Eigen::Vector2d(0.3, 0.7), 0, 1000);
  EXPECT_NEAR(x[2], std::log(20e6), 1e-12);
  EXPECT_NEAR(x[3], std::log(1000.0), 1e-12);
}

TEST(StepGrid, CheckpointsAndValidation) {
  const StepGrid g(100, 1000, {300, 200});
  EXPECT_EQ(g.budgets(), (std::vector<std::int64_t>{200, 300, 1000}));
  EXPECT_EQ(g.checkpoints(300), (std::vector<std::int64_t>{100, 200, 300}));
  EXPECT_THROW(StepGrid(100, 1000, {250}), ConfigError);
  EXPECT_THROW(StepGrid(0, 1000, {}), ConfigError);
  EXPECT_THROW(StepGrid(100, 1050, {}), ConfigError);
}
