// register_builtin_problems (strategy/builtin_problems.hpp): after the one explicit call, a
// worker rebuilds every multi-start kind mixbo hands to a Team from its bytes, and the rebuilt
// problem solves a start exactly as the original. The kinds used to register themselves from
// static initialisers inside the static library (run only when the program referenced the
// object file); this test also fails when a new kind is added without a round trip here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "gp_fixture.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/par/multistart.hpp"
#include "mixbo/strategy/bimix_law_fit.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

using namespace mixbo;

namespace {

GpModel small_model() {
  KernelContext ctx;
  ctx.k = test::kK;
  ctx.target_log_params = std::log(1e9);
  return GpModel::from_expression("rbf(mixture)", ctx);
}

Eigen::MatrixXd small_features() {
  Eigen::MatrixXd X(5, test::kK + 2);
  X << 0.2, 0.3, 0.5, 0, 0,  //
      0.6, 0.2, 0.2, 0, 0,   //
      0.1, 0.8, 0.1, 0, 0,   //
      0.3, 0.3, 0.4, 0, 0,   //
      0.5, 0.4, 0.1, 0, 0;
  return X;
}

Eigen::VectorXd small_targets() {
  Eigen::VectorXd y(5);
  y << 0.3, -0.2, 0.9, 0.1, -0.5;
  return y;
}

struct Case {
  std::unique_ptr<MultiStartProblem> problem;
  Eigen::VectorXd start;
};

std::vector<Case> one_of_each_kind() {
  std::vector<Case> out;
  const GpModel model = small_model();
  out.push_back(
      {std::make_unique<GpFitProblem>(model, small_features(), small_targets(), FitOptions{}),
       model.initial()});

  auto gp = std::make_shared<const GaussianProcess>(model, small_features(), small_targets(),
                                                    model.initial());
  AcqSpec spec;
  spec.kind = AcqKind::kUcb;
  spec.pairs.push_back({});
  Eigen::VectorXd start(test::kK + 1);
  start << 0, 0.3, 0.3, 0.4;
  out.push_back(
      {std::make_unique<AcqRefineProblem>(gp, spec, Eigen::VectorXd::Constant(test::kK, 0.05),
                                          Eigen::VectorXd::Constant(test::kK, 0.9), 50),
       start});

  BimixData d;
  const int n = 4 * test::kK + 4;
  d.W.resize(n, test::kK);
  d.steps.resize(n);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) {
    const double a = 0.1 + 0.05 * (i % 5), b = 0.2 + 0.03 * (i % 7);
    d.W.row(i) << a, b, 1 - a - b;
    d.steps[i] = 1000.0 * (1 + i % 4);
    d.y[i] = 3 - 0.4 * std::log(d.steps[i]) / (1 + a) + 0.2 * b;
  }
  auto law = std::make_unique<BimixLawFitProblem>(d, 8000, 60);
  const Eigen::VectorXd mid = 0.5 * (law->lower() + law->upper());
  out.push_back({std::move(law), mid});

  // Two runs of three and two checkpoints on the curve GP's product kernel.
  KernelContext ctx;
  ctx.k = test::kK;
  ctx.target_log_params = std::log(1e9);
  const GpModel curve = GpModel::from_expression("rbf(mixture) * expdecay(steps)", ctx);
  Eigen::MatrixXd X = small_features();
  for (int i = 0; i < 5; ++i) {
    X.row(i).head(test::kK) = small_features().row(i < 3 ? 0 : 1).head(test::kK);
    X(i, test::kK + 1) = std::log(1000.0 * (1 + i % 3));
  }
  out.push_back({std::make_unique<CurveFitProblem>(curve, CurveGrid::from_rows(X, {0, 0, 0, 1, 1}),
                                                   small_targets(), FitOptions{}, CurveOptions{}),
                 curve.initial()});
  return out;
}

}  // namespace

TEST(BuiltinProblems, AWorkerRebuildsEveryKindFromItsBytes) {
  register_builtin_problems();
  const auto registered = registered_problem_kinds();
  std::vector<std::string> tested;
  for (const auto& c : one_of_each_kind()) {
    const std::string kind = c.problem->kind();
    tested.push_back(kind);
    EXPECT_NE(std::find(registered.begin(), registered.end(), kind), registered.end()) << kind;
    ByteWriter w;
    c.problem->serialize(w);
    ByteReader r(w.bytes());
    const auto copy = make_problem(kind, r);
    EXPECT_TRUE(r.done()) << kind;
    ASSERT_EQ(copy->kind(), kind);
    ByteWriter again;
    copy->serialize(again);
    EXPECT_EQ(again.bytes(), w.bytes()) << kind;
    const StartResult a = c.problem->solve(c.start), b = copy->solve(c.start);
    EXPECT_TRUE(a.error.empty()) << kind << ": " << a.error;
    EXPECT_EQ(a.value, b.value) << kind;
    EXPECT_TRUE(a.x == b.x) << kind;
    EXPECT_EQ(a.iterations, b.iterations) << kind;
  }
  std::sort(tested.begin(), tested.end());
  EXPECT_EQ(tested, builtin_problem_kinds()) << "a builtin kind has no round trip in this test";
}

TEST(BuiltinProblems, AnUnknownKindNamesTheRegisteredOnes) {
  register_builtin_problems();
  const std::vector<unsigned char> none;
  ByteReader r(none);
  try {
    make_problem("no-such-kind", r);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown multi-start problem kind 'no-such-kind'"), std::string::npos) << m;
    EXPECT_NE(m.find("gp-fit"), std::string::npos) << m;
  }
}
