// The GP on every checkpoint (curve_gp.hpp) against the exact GP on the same rows: the same
// likelihood, gradient and posterior; its own gradient against finite differences where the
// steps basis is truncated; the grid's input checks; which kernels split.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/curve_gp.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/kernel_parser.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

// Runs on a 3-rung ladder, each reporting a prefix of a 12-point step grid (at least 3 points),
// one of them skipping a checkpoint; run 5 continues run 1 (same mixture and scale), which
// makes K_U singular. Outputs: a smooth curve in steps plus a mixture effect and noise.
struct Curves {
  Eigen::MatrixXd X;
  std::vector<int> run;
  Eigen::VectorXd y;
};

Curves make_curves(int runs, std::uint64_t seed) {
  Rng rng = make_rng(seed, 0);
  const Eigen::MatrixXd W = sample_dirichlet(letter_simplex(kK), 1.0, runs, rng);
  std::uniform_int_distribution<int> len(3, 12), sc(0, 2);
  std::normal_distribution<double> noise(0.0, 0.02);
  const double scales[] = {2e7, 6e7, 1.5e8};
  std::vector<Eigen::RowVectorXd> rows;
  Curves c;
  for (int a = 0; a < runs; ++a) {
    Eigen::RowVectorXd u(kK + 2);
    u.head(kK) = W.row(a);
    u[kK] = std::log(scales[sc(rng)]);
    if (a == 5) u = rows[1];  // a continued run
    rows.push_back(u);
    const int c_a = len(rng);
    for (int j = 1; j <= c_a; ++j) {
      if (a == 2 && j == 2) continue;  // a failed checkpoint
      Eigen::RowVectorXd x = u;
      x[kK + 1] = std::log(500.0 * j);
      c.X.conservativeResize(c.X.rows() + 1, kK + 2);
      c.X.row(c.X.rows() - 1) = x;
      c.run.push_back(a);
      const double t = 500.0 * j / 1000;
      c.y.conservativeResize(c.y.size() + 1);
      c.y[c.y.size() - 1] =
          2.0 + 1.5 / (1 + t) + std::sin(4 * u[0]) - 0.1 * u[kK] / 20 + noise(rng);
    }
  }
  return c;
}

GpModel default_model() {
  return GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)",
                                  gp_context(kK));
}

TEST(CurveGp, MatchesTheExactGpLikelihoodGradientAndPosterior) {
  const GpModel model = default_model();
  const auto split = split_steps(model.kernel_ptr());
  ASSERT_TRUE(split);
  const Curves c = make_curves(9, 3);
  const CurveGrid grid = CurveGrid::from_rows(c.X, c.run);
  ASSERT_EQ(grid.num_runs(), 9);
  ASSERT_EQ(grid.n(), c.X.rows());
  const Eigen::MatrixXd X = grid.rows();
  EXPECT_EQ(X, c.X);  // observation order kept
  const Eigen::VectorXd ys = Standardizer::fit(c.y).apply(c.y);
  Eigen::VectorXd theta = model.initial();
  std::mt19937_64 rng(5);
  std::normal_distribution<double> jitter(0.0, 0.3);
  for (int trial = 0; trial < 3; ++trial) {
    CurveOptions exact;
    exact.truncation = 0;  // keep every eigenpair: only rounding separates the two
    const CurveGp cg(model, *split, grid, ys, theta, exact);
    EXPECT_EQ(cg.rank(), grid.num_steps());
    Eigen::VectorXd g_exact;
    const double lml = log_marginal_likelihood(model, X, ys, theta, &g_exact);
    EXPECT_NEAR(cg.log_marginal_likelihood(), lml, 1e-8 * std::abs(lml)) << "trial " << trial;
    const Eigen::VectorXd g = cg.gradient();
    ASSERT_EQ(g.size(), g_exact.size());
    for (Eigen::Index i = 0; i < g.size(); ++i)
      EXPECT_NEAR(g[i], g_exact[i], 1e-6 * (1 + std::abs(g_exact[i])))
          << model.specs()[static_cast<size_t>(i)].name << " trial " << trial;
    // The posterior at unseen points: other mixtures, a scale and steps off the data.
    Eigen::MatrixXd Xs = continuous_features(6, kK, 9);
    const GaussianProcess gp(model, X, ys, theta, Standardizer{});
    const Posterior post = gp.predict(Xs);
    const Eigen::VectorXd mu = cg.mean(Xs), var = cg.variance(Xs);
    for (Eigen::Index i = 0; i < Xs.rows(); ++i) {
      EXPECT_NEAR(mu[i], post.mean[i], 1e-8 * (1 + std::abs(post.mean[i])));
      EXPECT_NEAR(var[i], post.variance[i], 1e-8 * (1 + post.variance[i]));
      const Eigen::VectorXd x = Xs.row(i).transpose();
      const Eigen::VectorXd dm = cg.mean_gradient(x), dm_exact = gp.predict_with_gradient(x).dmean;
      for (Eigen::Index d = 0; d < x.size(); ++d)
        EXPECT_NEAR(dm[d], dm_exact[d], 1e-7 * (1 + std::abs(dm_exact[d]))) << "column " << d;
    }
    for (Eigen::Index i = 0; i < theta.size(); ++i) theta[i] += jitter(rng);
    theta = model.clamp(theta);
  }
}

TEST(CurveGp, TruncatedBasisKeepsTheLikelihoodAndItsGradientMatchesDifferences) {
  const GpModel model = default_model();
  const auto split = split_steps(model.kernel_ptr());
  const Curves c = make_curves(12, 8);
  const CurveGrid grid = CurveGrid::from_rows(c.X, c.run);
  const Eigen::VectorXd ys = Standardizer::fit(c.y).apply(c.y);
  const Eigen::VectorXd theta = model.initial();
  const CurveGp cg(model, *split, grid, ys, theta);  // default truncation
  EXPECT_LT(cg.rank(), grid.num_steps());            // the smooth steps kernel is truncated
  const double lml = log_marginal_likelihood(model, grid.rows(), ys, theta);
  // The documented bound: the likelihood moves by less than n * truncation / 2.
  EXPECT_NEAR(cg.log_marginal_likelihood(), lml, grid.n() * CurveOptions{}.truncation / 2);
  CurveOptions tight;
  tight.truncation = 1e-6;
  EXPECT_NEAR(CurveGp(model, *split, grid, ys, theta, tight).log_marginal_likelihood(), lml, 1e-6);
  // Central differences of the curve likelihood itself (h small enough for the truncation rank
  // to stay put).
  const Eigen::VectorXd g = cg.gradient();
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    const double h = 1e-5;
    Eigen::VectorXd tp = theta, tm = theta;
    tp[i] += h;
    tm[i] -= h;
    const double fd = (CurveGp(model, *split, grid, ys, tp).log_marginal_likelihood() -
                       CurveGp(model, *split, grid, ys, tm).log_marginal_likelihood()) /
                      (2 * h);
    EXPECT_NEAR(g[i], fd, 1e-4 * (1 + std::abs(fd))) << model.specs()[static_cast<size_t>(i)].name;
  }
}

TEST(CurveGrid, NamesTheRowThatBreaksTheRunsLayout) {
  Curves c = make_curves(4, 2);
  std::vector<int> run = c.run;
  run[run.size() - 1] = 0;  // the last row (run 3) labelled as run 0: another mixture
  try {
    CurveGrid::from_rows(c.X, run);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row " + std::to_string(c.X.rows() - 1)),
              std::string::npos)
        << e.what();
  }
  Eigen::MatrixXd X = c.X;
  X.row(1) = X.row(0);  // the same checkpoint twice in run 0
  EXPECT_THROW(CurveGrid::from_rows(X, c.run), Error);
}

TEST(StepSplit, OnlyProductsWithASteplessAndAStepsSideSplit) {
  const KernelContext ctx = gp_context(kK);
  const auto yes =
      split_steps(parse_kernel("expdecay(steps) * matern52(mixture) * rbf(scale)", ctx));
  ASSERT_TRUE(yes);
  EXPECT_EQ(yes->step_params, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(yes->run_params.size(), static_cast<size_t>(kK + 1));
  EXPECT_EQ(yes->run_params.front(), 3);
  EXPECT_FALSE(split_steps(parse_kernel("matern52(all)", ctx)));
  EXPECT_FALSE(split_steps(parse_kernel("matern52(mixture) + expdecay(steps)", ctx)));
  EXPECT_FALSE(split_steps(parse_kernel("matern52(mixture) * rbf(scale)", ctx)));
  EXPECT_FALSE(split_steps(parse_kernel("matern52(mixture) * (rbf(scale) + rbf(steps))", ctx)));
}

// The fit on every checkpoint finds the exact fit's optimum (same objective, starts and
// optimiser), and a start solved from the problem's bytes, as an MPI rank solves it, gives the
// identical result.
TEST(CurveFit, ReachesTheExactFitsOptimumAndSurvivesSerialisation) {
  const GpModel model = default_model();
  const Curves c = make_curves(10, 4);
  const CurveGrid grid = CurveGrid::from_rows(c.X, c.run);
  FitOptions o;
  o.starts = 4;
  SerialTeam team;
  Rng r1 = make_rng(3, 1), r2 = make_rng(3, 1);
  const FitResult exact = fit_gp(model, grid.rows(), c.y, team, r1, std::nullopt, o);
  const CurveFitResult curve = fit_curve_gp(model, grid, c.y, team, r2, std::nullopt, o);
  EXPECT_NEAR(curve.log_posterior, exact.log_posterior, 1e-5 * std::abs(exact.log_posterior));
  EXPECT_LT((curve.theta - exact.theta).cwiseAbs().maxCoeff(), 1e-2);

  const Eigen::VectorXd ys = curve.standardizer.apply(c.y);
  const CurveFitProblem problem(model, grid, ys, o, CurveOptions{});
  ByteWriter w;
  problem.serialize(w);
  ByteReader r(w.bytes());
  register_builtin_problems();
  const auto copy = make_problem("curve-fit", r);
  const StartResult a = problem.solve(model.initial()), b = copy->solve(model.initial());
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.iterations, b.iterations);
}

TEST(CurveFit, RefusesAKernelThatDoesNotSplitNamingIt) {
  const GpModel model = GpModel::from_expression("matern52(all)", gp_context(kK));
  const Curves c = make_curves(4, 4);
  SerialTeam team;
  Rng rng = make_rng(3, 1);
  try {
    fit_curve_gp(model, CurveGrid::from_rows(c.X, c.run), c.y, team, rng);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("matern52(all)"), std::string::npos) << e.what();
  }
}

}  // namespace
