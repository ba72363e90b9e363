// MAP fit: determinism across Teams (and through serialisation), recovery of known
// hyperparameters, multi-fidelity benefit, degenerate data.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <random>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

// Rebuilds the problem from its bytes (as an MPI rank would) and solves starts in reverse order.
class ReversingTeam : public Team {
 public:
  std::vector<StartResult> run(const MultiStartProblem& problem,
                               const std::vector<Eigen::VectorXd>& starts) override {
    ByteWriter w;
    problem.serialize(w);
    ByteReader r(w.bytes());
    register_builtin_problems();
    const auto copy = make_problem(problem.kind(), r);
    std::vector<StartResult> out(starts.size());
    for (size_t i = starts.size(); i-- > 0;) out[i] = solve_start(*copy, starts[i]);
    return out;
  }
};

// The default kernel over k = 3 and n ladder rows of a smooth objective.
struct FitData {
  GpModel m;
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};

FitData fit_data(int n, std::uint64_t seed) {
  const int k = 3;
  FitData d{
      GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)", gp_context(k)),
      ladder_features(n, k, seed), Eigen::VectorXd(n)};
  for (int i = 0; i < n; ++i)
    d.y[i] = std::sin(5 * d.X(i, 0)) + 0.3 * d.X(i, k) / 20 + 1.0 / std::exp(d.X(i, k + 1) - 7);
  return d;
}

TEST(GpFit, IdenticalWhateverTeamRunsTheStarts) {
  const auto [m, X, y] = fit_data(40, 1);
  FitOptions o;
  o.starts = 5;
  o.max_evaluations = 150;
  SerialTeam serial;
  ReversingTeam reversing;
  Rng r1 = make_rng(7, 3), r2 = make_rng(7, 3);
  const FitResult a = fit_gp(m, X, y, serial, r1, std::nullopt, o);
  const FitResult b = fit_gp(m, X, y, reversing, r2, std::nullopt, o);
  ASSERT_EQ(a.starts.size(), 5u);
  EXPECT_EQ(a.best, b.best);
  EXPECT_EQ(a.theta, b.theta);  // bit-identical
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a.starts[i].value, b.starts[i].value);
    EXPECT_EQ(a.starts[i].iterations, b.starts[i].iterations);
    EXPECT_TRUE(a.starts[i].error.empty()) << a.starts[i].error;
    EXPECT_GT(a.starts[i].iterations, 0);
  }
  // The chosen start is the best, and improves on where it started.
  for (const auto& s : a.starts) EXPECT_LE(a.starts[a.best].value, s.value);
  const Eigen::VectorXd ys = Standardizer::fit(y).apply(y);
  // The same theta through the GaussianProcess's factorisation and the fit's in-place one:
  // equal to roundoff (relative; -O1 and -O2 round differently).
  EXPECT_NEAR(-a.log_posterior, a.starts[a.best].value, 1e-10 * std::abs(a.log_posterior));
  EXPECT_GT(a.log_posterior, log_posterior(m, X, ys, a.start_points[0]));
  // Warm start from the optimum: start 0 is that optimum and the result is no worse.
  Rng r3 = make_rng(8, 3);
  o.starts = 2;
  const FitResult c = fit_gp(m, X, y, serial, r3, a.theta, o);
  EXPECT_EQ(c.start_points[0], m.clamp(a.theta));
  EXPECT_GE(c.log_posterior, a.log_posterior - 1e-9);
}

// Screening (fit.hpp): every start runs a few evaluations, only the best continue. On data with
// one optimum it reaches the optimum of a fit that runs every start to convergence, for a
// fraction of the evaluations; exactly refine_starts starts run past the screening.
TEST(GpFit, ScreenedStartsReachTheFullFitsOptimumWithFewerEvaluations) {
  const auto [m, X, y] = fit_data(60, 4);
  FitOptions full;
  full.starts = 8;
  full.screen_evaluations = 0;
  FitOptions screened = full;
  screened.screen_evaluations = 5;
  screened.refine_starts = 2;
  SerialTeam team;
  Rng r1 = make_rng(11, 3), r2 = make_rng(11, 3);
  const FitResult a = fit_gp(m, X, y, team, r1, std::nullopt, full);
  const FitResult b = fit_gp(m, X, y, team, r2, std::nullopt, screened);
  ASSERT_EQ(b.starts.size(), 8u);
  EXPECT_EQ(a.start_points, b.start_points);
  EXPECT_NEAR(b.log_posterior, a.log_posterior, 1e-4 * std::abs(a.log_posterior));
  auto evaluations = [](const FitResult& f) {
    long e = 0;
    for (const auto& s : f.starts) e += s.iterations;
    return e;
  };
  EXPECT_LT(2 * evaluations(b), evaluations(a));
  // (NLopt's L-BFGS may take one evaluation past its limit to finish a line search.)
  const auto refined = std::count_if(b.starts.begin(), b.starts.end(),
                                     [](const StartResult& s) { return s.iterations > 5 + 1; });
  EXPECT_EQ(refined, 2);
  EXPECT_GT(b.starts[b.best].iterations, 5 + 1);
  // The ranking between the phases is the team's business no more than the starts are.
  ReversingTeam reversing;
  Rng r3 = make_rng(11, 3);
  const FitResult c = fit_gp(m, X, y, reversing, r3, std::nullopt, screened);
  EXPECT_EQ(c.theta, b.theta);
  EXPECT_EQ(c.best, b.best);
}

}  // namespace
