// The acquisition maximiser on the bounded simplex: a synthetic acquisition with a known
// optimum (the posterior mean of an isotropic RBF GP is extremal at its peak, or at the
// Euclidean projection of the peak onto the bounded simplex when the peak lies outside), for
// k = 3 and k = 7; feasibility of every returned point; determinism across Teams and through
// the "acq-refine" serialisation used by MPI ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "mixbo/acq/maximize.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/builtin_problems.hpp"
#include "reverse_team.hpp"

using namespace mixbo;

namespace {

using test::ReverseTeam;

BoundedSimplex bounded(int k) {
  std::vector<std::string> names;
  for (int i = 0; i < k; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
  return BoundedSimplex(names, Eigen::VectorXd::Constant(k, 0.02),
                        Eigen::VectorXd::Constant(k, 0.5));
}

// A GP with one low observation at `peak` (mixture columns; anywhere in R^k) and one far away:
// its posterior mean is c - d * exp(-|w - peak|^2 / (2 l^2)), so the maximiser of -mean over
// the bounded simplex is the Euclidean projection of `peak` onto it.
std::shared_ptr<const GaussianProcess> peaked_gp(const Eigen::VectorXd& peak) {
  const int k = static_cast<int>(peak.size());
  KernelContext ctx;
  ctx.k = k;
  ctx.target_log_params = std::log(1e9);
  GpModel model = GpModel::from_expression("rbf(mixture)", ctx);
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(2, k + 2);
  X.row(0).head(k) = peak.transpose();
  X.row(1).head(k) = peak.transpose();
  X(1, 0) += 30.0;
  Eigen::VectorXd y(2);
  y << -1.0, 1.0;
  Eigen::VectorXd theta = model.initial();
  for (int i = 0; i < model.num_kernel_params(); ++i) theta[i] = std::log(0.35);
  return std::make_shared<const GaussianProcess>(model, X, y, theta);
}

AcqSpec mean_spec(int k) {
  AcqSpec s;
  s.kind = AcqKind::kPosteriorMean;
  s.pairs.push_back({});  // features beyond the mixture are ignored by rbf(mixture)
  (void)k;
  return s;
}

void expect_feasible(const BoundedSimplex& s, const std::vector<AcqCandidate>& c) {
  for (const auto& a : c) {
    EXPECT_NEAR(a.w.sum(), 1.0, 1e-12);
    EXPECT_TRUE(s.contains(a.w, 1e-12)) << a.w.transpose();
  }
}

}  // namespace

class AcqMaximize : public ::testing::TestWithParam<int> {};

TEST_P(AcqMaximize, FindsInteriorAndBoundaryOptima) {
  const int k = GetParam();
  const BoundedSimplex s = bounded(k);
  Rng rng = make_rng(5, static_cast<std::uint64_t>(k));
  SerialTeam team;
  MaximizeOptions o;
  o.raw_samples = 512;
  o.refine_starts = 4;
  for (int rep = 0; rep < 3; ++rep) {
    // Interior: a Dirichlet point pulled to the centre. Outside: a vertex-like point beyond the
    // upper bound and off the sum-one plane.
    Eigen::VectorXd peak;
    if (rep == 0) {
      peak = 0.5 * sample_dirichlet(s, 2.0, 1, rng).row(0).transpose() + 0.5 * s.center();
    } else {
      peak = Eigen::VectorXd::Constant(k, 0.01);
      peak[rep] = 0.95;
      peak[0] = rep == 2 ? 0.4 : 0.01;
    }
    const Eigen::VectorXd expected = s.project(peak);
    o.seed = static_cast<std::uint64_t>(rep);
    const auto c = maximize_acquisition(peaked_gp(peak), mean_spec(k), s, team, o);
    ASSERT_FALSE(c.empty());
    ASSERT_TRUE(c.front().refined);
    EXPECT_LT((c.front().w - expected).cwiseAbs().maxCoeff(), 1e-5)
        << "k=" << k << " rep " << rep << "\n got      " << c.front().w.transpose()
        << "\n expected " << expected.transpose();
    expect_feasible(s, c);
    for (size_t i = 1; i < c.size(); ++i)
      if (c[i].refined == c[i - 1].refined) {
        EXPECT_GE(c[i - 1].value, c[i].value);
      }
  }
}

INSTANTIATE_TEST_SUITE_P(K, AcqMaximize, ::testing::Values(3, 7));

TEST(AcqMaximizeTeams, SameResultForSerialAndReversedTeamAndAfterSerialisation) {
  const int k = 4;
  const BoundedSimplex s = bounded(k);
  Eigen::VectorXd peak = Eigen::VectorXd::Constant(k, 0.1);
  peak[2] = 0.7;
  auto gp = peaked_gp(peak);
  AcqSpec spec = mean_spec(k);
  spec.kind = AcqKind::kUcb;  // uses the variance too
  MaximizeOptions o;
  o.raw_samples = 256;
  o.refine_starts = 5;
  o.seed = 42;
  SerialTeam serial;
  ReverseTeam reverse;
  const auto a = maximize_acquisition(gp, spec, s, serial, o);
  const auto b = maximize_acquisition(gp, spec, s, reverse, o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].pair, b[i].pair);
    EXPECT_EQ(a[i].value, b[i].value);
    EXPECT_TRUE(a[i].w == b[i].w) << i;
  }

  const AcqRefineProblem problem(gp, spec, s.lower(), s.upper(), 100);
  ByteWriter out;
  problem.serialize(out);
  ByteReader in(out.bytes());
  register_builtin_problems();
  const auto copy = make_problem("acq-refine", in);
  Eigen::VectorXd start(k + 1);
  start << 0, s.center();
  const StartResult r1 = problem.solve(start), r2 = copy->solve(start);
  EXPECT_EQ(r1.value, r2.value);
  EXPECT_TRUE(r1.x == r2.x);
  EXPECT_LE(r1.value, -problem.acquisition().value(0, s.center()));
}
