// The GP strategies' default kernel, matern52(all) * rbf(scale) * expdecay(steps) +
// matern52(mixture) * rbf(scale): what "auto" resolves to (for the trend model too), its
// first term's priors, and that it learns from runs at two scales whether the mixture effect
// transfers between them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "gp_fixture.hpp"
#include "mixbo/config/strategy_options.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/kernel_parser.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

TEST(DefaultKernel, AutoIsTheNonSeparableKernelAndTheSeparableOneForEveryCheckpoint) {
  StrategyOptions o;
  EXPECT_EQ(o.kernel, "auto");
  EXPECT_EQ(o.kernel_expression(), StrategyOptions::kDefaultKernel);
  o.checkpoints = "all";  // the runs x step-grid solve needs a kernel separable in the steps
  EXPECT_EQ(o.kernel_expression(), StrategyOptions::kSeparableKernel);
  o.kernel = "rbf(mixture)";
  EXPECT_EQ(o.kernel_expression(), "rbf(mixture)");
}

// The trend models' kernels: with "auto" the default's first term, whose every scale effect goes
// with the curve over steps, and the default itself (strategy_options.hpp); an expression given
// is every model's.
TEST(DefaultKernel, AutoGivesTheTrendModelsTheDefaultsFirstTermAndTheDefault) {
  using Kernels = std::vector<std::string>;
  StrategyOptions o;
  EXPECT_EQ(o.trend_kernel_expressions(),
            (Kernels{StrategyOptions::kTrendKernel, StrategyOptions::kDefaultKernel}));
  EXPECT_EQ(std::string(StrategyOptions::kDefaultKernel)
                .rfind(std::string(StrategyOptions::kTrendKernel) + " + ", 0),
            0u);
  o.checkpoints = "all";  // one kernel: mfms-bo has no trend model then, sf-bo keeps it
  EXPECT_EQ(o.trend_kernel_expressions(), Kernels{StrategyOptions::kSeparableKernel});
  o.kernel = "rbf(mixture)";
  EXPECT_EQ(o.trend_kernel_expressions(), Kernels{"rbf(mixture)"});
}

TEST(DefaultKernel, MixtureColumnsShortAndScaleAndStepsColumnsLongLengthscales) {
  const KernelPtr k = parse_kernel(StrategyOptions::kDefaultKernel, gp_context(kK));
  const auto specs = k->param_specs();
  ASSERT_GE(specs.size(), static_cast<size_t>(kK + 2));
  for (int i = 0; i < kK; ++i) EXPECT_NEAR(std::exp(specs[i].init), 0.5, 1e-12) << i;
  // matern52(all)'s scale and steps columns: the mixture effect's decorrelation, not the trend.
  EXPECT_NEAR(std::exp(specs[kK].init), 8.0, 1e-12);
  EXPECT_NEAR(std::exp(specs[kK + 1].init), 8.0, 1e-12);
  // The one-column trend factor keeps its own, shorter default.
  EXPECT_NEAR(std::exp(specs[kK + 2].init), 2.0, 1e-12);
}

// 30 mixtures at a small scale, 20 of them again at the target scale, full length; the loss
// falls by 0.5 between the scales (the trend) and the mixture effect is `small` there and
// `large` at the target. Returns the fitted kernel's correlation between two mixtures' difference
// at the two scales (the mixture effect's, whichever term carries it) and the RMSE of the target
// predictions of the 10 mixtures run only small.
struct Outcome {
  double correlation;
  double heldout_rmse;
};

template <class Small, class Large>
Outcome fit_two_scales(Small small, Large large) {
  const Eigen::MatrixXd W = continuous_features(30, kK, 3).leftCols(kK);
  const double lp_small = std::log(2e7), lp_target = std::log(1e9), ls = std::log(19500.0);
  Eigen::MatrixXd X(50, kK + 2);
  Eigen::VectorXd y(50);
  for (int i = 0; i < 30; ++i) {
    X.row(i) << W.row(i), lp_small, ls;
    y[i] = 3.0 + small(W.row(i));
  }
  for (int i = 0; i < 20; ++i) {
    X.row(30 + i) << W.row(i), lp_target, ls;
    y[30 + i] = 2.5 + large(W.row(i));
  }
  const GpModel m = GpModel::from_expression(StrategyOptions::kDefaultKernel, gp_context(kK));
  SerialTeam team;
  Rng rng = make_rng(11, 0);
  FitOptions fo;
  fo.starts = 8;
  const FitResult f = fit_gp(m, X, y, team, rng, std::nullopt, fo);
  double se = 0;
  for (int i = 20; i < 30; ++i) {
    Eigen::MatrixXd x(1, kK + 2);
    x << W.row(i), lp_target, ls;
    const double err = f.gp.predict(x).mean[0] - (2.5 + large(W.row(i)));
    se += err * err;
  }
  // The mixture effect's correlation: of the difference between two mixtures' values at one
  // scale with that difference at the other (a shared level, the trend's, cancels in it).
  Eigen::MatrixXd four(4, kK + 2);
  four << W.row(0), lp_small, ls, W.row(1), lp_small, ls, W.row(0), lp_target, ls, W.row(1),
      lp_target, ls;
  const Eigen::MatrixXd K = m.kernel().gram(m.kernel_params(f.theta), four);
  const double cov = K(0, 2) - K(0, 3) - K(1, 2) + K(1, 3);
  const double var_small = K(0, 0) + K(1, 1) - 2 * K(0, 1);
  const double var_target = K(2, 2) + K(3, 3) - 2 * K(2, 3);
  return {cov / std::sqrt(var_small * var_target), std::sqrt(se / 10)};
}

TEST(DefaultKernel, LearnsFromTwoScalesWhetherTheMixtureEffectTransfers) {
  const auto g = [](const Eigen::RowVectorXd& w) { return 0.2 * std::sin(6 * w[0]) + 0.1 * w[1]; };
  const auto reversed = [&](const Eigen::RowVectorXd& w) { return -g(w); };
  const Outcome same = fit_two_scales(g, g);  // small runs rank mixtures as the target does
  const Outcome other = fit_two_scales(g, reversed);
  // Transfer: one mixture's values stay correlated across the ladder (3.9 e-folds) ...
  EXPECT_GT(same.correlation, 0.9);
  // ... and where the small runs rank the mixtures the other way round, they do not.
  EXPECT_LT(other.correlation, 0.3);
  // The mixtures run only small are predicted at the target from their small runs (the
  // effect's sd is about 0.1).
  EXPECT_LT(same.heldout_rmse, 0.03);
}

}  // namespace
