// Kernels: finite-difference checks of every kernel's hyperparameter and input gradients,
// consistency of gram / cross / diagonal, and the expression parser.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <random>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/kernel_parser.hpp"
#include "mixbo/gp/kernels.hpp"
#include "mixbo/space/sampling.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

double rel_err(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-4); }

const char* kExpressions[] = {
    "rbf(mixture)",
    "matern52(mixture)",
    "matern32(mixture)",
    "rbf(scale)",
    "rbf(steps)",
    "matern52(all)",
    "expdecay(steps)",
    "downsampling(scale)",
    "matern52(mixture) * rbf(scale) * expdecay(steps)",
    "matern52(all) * rbf(scale) * expdecay(steps)",
    "matern32(all) * rbf(scale) * expdecay(steps)",
    // A product whose factors do not all stream their gradient (downsampling does not).
    "matern52(mixture) * downsampling(scale) * expdecay(steps)",
    "rbf(mixture) * downsampling(scale) + matern52(steps) * expdecay(steps)",
    "rbf(scale) * expdecay(steps) + matern52(mixture) * rbf(scale) * expdecay(steps)",
    "rbf(mixture) + rbf(scale) + (rbf(steps) + matern52(all))",
    // The default (StrategyOptions::kDefaultKernel), and a sum inside a product.
    "matern52(all) * rbf(scale) * expdecay(steps) + matern52(mixture) * rbf(scale)",
    "(rbf(mixture) + matern52(all)) * expdecay(steps)",
    // The linear leaf alone has no parameters; in a sum its weight is its amplitude.
    "linear(mixture)",
    "matern52(all) * rbf(scale) * expdecay(steps) + (matern52(mixture) + linear(mixture)) * "
    "rbf(scale)",
    // One Matern per share, averaged; and one share alone.
    "additive(mixture)",
    "matern52(share2)",
    "matern52(all) * rbf(scale) * expdecay(steps) + additive(mixture) * rbf(scale)",
};

class KernelGradients : public ::testing::TestWithParam<const char*> {};

TEST_P(KernelGradients, HyperparameterGradientMatchesCentralDifferences) {
  const int k = 3, n = 9;
  const KernelContext ctx = gp_context(k);
  const KernelPtr kern = parse_kernel(GetParam(), ctx);
  const Eigen::MatrixXd X = continuous_features(n, k, 11);
  Rng rng = make_rng(5, 1);
  std::normal_distribution<double> nd(0, 0.3);
  Eigen::VectorXd p = kern->default_params();
  for (auto& v : p) v += nd(rng);
  Eigen::MatrixXd W = Eigen::MatrixXd::NullaryExpr(n, n, [&] { return nd(rng); });
  W = (W + W.transpose()).eval();

  Eigen::VectorXd g = Eigen::VectorXd::Zero(p.size());
  kern->add_param_gradient(p, X, W, g);
  const double h = 1e-5;
  for (Eigen::Index j = 0; j < p.size(); ++j) {
    Eigen::VectorXd pp = p, pm = p;
    pp[j] += h;
    pm[j] -= h;
    const double fd = ((W.array() * kern->gram(pp, X).array()).sum() -
                       (W.array() * kern->gram(pm, X).array()).sum()) /
                      (2 * h);
    EXPECT_LT(rel_err(g[j], fd), 1e-5)
        << GetParam() << " param " << j << " analytic " << g[j] << " fd " << fd;
  }
}

TEST_P(KernelGradients, InputGradientsMatchCentralDifferences) {
  const int k = 3;
  const KernelContext ctx = gp_context(k);
  const KernelPtr kern = parse_kernel(GetParam(), ctx);
  const Eigen::MatrixXd X2 = continuous_features(6, k, 12);
  const Eigen::VectorXd x = continuous_features(1, k, 13).row(0).transpose();
  Rng rng = make_rng(6, 1);
  std::normal_distribution<double> nd(0, 0.3);
  Eigen::VectorXd p = kern->default_params();
  for (auto& v : p) v += nd(rng);

  const Eigen::MatrixXd G = kern->input_gradient(p, x, X2);
  const Eigen::VectorXd Gd = kern->diagonal_gradient(p, x);
  ASSERT_EQ(G.rows(), k + 2);
  ASSERT_EQ(G.cols(), 6);
  const double h = 1e-6;
  for (int d = 0; d < k + 2; ++d) {
    Eigen::MatrixXd xp = x.transpose(), xm = x.transpose();
    xp(0, d) += h;
    xm(0, d) -= h;
    const Eigen::RowVectorXd fd = (kern->cross(p, xp, X2) - kern->cross(p, xm, X2)) / (2 * h);
    for (int b = 0; b < 6; ++b)
      EXPECT_LT(rel_err(G(d, b), fd[b]), 1e-5) << GetParam() << " dim " << d << " point " << b
                                               << " analytic " << G(d, b) << " fd " << fd[b];
    const double fdd = (kern->diagonal(p, xp)[0] - kern->diagonal(p, xm)[0]) / (2 * h);
    EXPECT_LT(rel_err(Gd[d], fdd), 1e-5) << GetParam() << " diagonal, dim " << d;
  }
}

TEST_P(KernelGradients, GramCrossAndDiagonalAgree) {
  const int k = 3;
  const KernelPtr kern = parse_kernel(GetParam(), gp_context(k));
  const Eigen::MatrixXd X = continuous_features(7, k, 14);
  const Eigen::VectorXd p = kern->default_params();
  const Eigen::MatrixXd G = kern->gram(p, X);
  EXPECT_EQ((G - G.transpose()).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT((G - kern->cross(p, X, X)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((G.diagonal() - kern->diagonal(p, X)).cwiseAbs().maxCoeff(), 1e-12);
  // Positive semi-definite: smallest eigenvalue not meaningfully negative.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(G);
  EXPECT_GT(es.eigenvalues().minCoeff(), -1e-10);
  EXPECT_EQ(kern->num_params(), static_cast<int>(kern->param_specs().size()));
  // The canonical expression parses back to the same kernel.
  const KernelPtr again = parse_kernel(kern->expression(), gp_context(k));
  EXPECT_EQ(again->expression(), kern->expression());
  EXPECT_LT((again->gram(p, X) - G).cwiseAbs().maxCoeff(), 0.0 + 1e-15);
}

// The fit's path (make_state / gram_lower / add_param_gradient_lower) against gram and the
// finite-difference-checked add_param_gradient, on a state reused across parameter vectors and
// on inputs whose scale and steps columns repeat (a ladder and a step grid, the distinct-value
// tables) as well as on inputs where every value is distinct.
TEST_P(KernelGradients, StatePathMatchesGramAndGradient) {
  const int k = 3, n = 23;
  const KernelContext ctx = gp_context(k);
  const KernelPtr kern = parse_kernel(GetParam(), ctx);
  for (bool ladder : {true, false}) {
    Eigen::MatrixXd X = continuous_features(n, k, 21);
    if (ladder)
      for (int i = 0; i < n; ++i) {
        X(i, k) = std::log(std::vector<double>{2e7, 6e7, 3e8}[static_cast<size_t>(i % 3)]);
        X(i, k + 1) = std::log(500.0 * (1 + i % 5));
      }
    const auto state = kern->make_state(X);
    Rng rng = make_rng(7, 1);
    std::normal_distribution<double> nd(0, 0.3);
    for (int rep = 0; rep < 3; ++rep) {
      Eigen::VectorXd p = kern->default_params();
      for (auto& v : p) v += nd(rng);
      const Eigen::MatrixXd G = kern->gram(p, X);
      Eigen::MatrixXd K = Eigen::MatrixXd::Constant(n, n, std::nan(""));
      kern->gram_lower(p, *state, K);
      for (int j = 0; j < n; ++j)
        for (int i = j; i < n; ++i)
          ASSERT_LT(std::abs(K(i, j) - G(i, j)), 1e-12) << GetParam() << " at " << i << "," << j;
      Eigen::MatrixXd W = Eigen::MatrixXd::NullaryExpr(n, n, [&] { return nd(rng); });
      W = (W + W.transpose()).eval();
      Eigen::VectorXd g = Eigen::VectorXd::Zero(p.size()), g_state = g;
      kern->add_param_gradient(p, X, W, g);
      Eigen::MatrixXd W_lower = W;
      W_lower.triangularView<Eigen::StrictlyUpper>().setConstant(std::nan(""));
      kern->add_param_gradient_lower(p, *state, W_lower, g_state);
      for (Eigen::Index j = 0; j < p.size(); ++j)
        EXPECT_LT(rel_err(g_state[j], g[j]), 1e-10)
            << GetParam() << (ladder ? " ladder" : "") << " param " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllKernels, KernelGradients, ::testing::ValuesIn(kExpressions));

TEST(KernelValues, ClosedForms) {
  const KernelContext ctx = gp_context(2);
  Eigen::MatrixXd X(2, 4);
  X << 0.2, 0.8, std::log(1e8), std::log(1000.0),  //
      0.5, 0.5, std::log(1e9), std::log(4000.0);
  const double dw = 0.3 * 0.3 * 2;
  // rbf on mixture with lengthscales 0.5: exp(-0.5 * dw / 0.25)
  Eigen::VectorXd p(2);
  p.setConstant(std::log(0.5));
  EXPECT_NEAR(make_rbf("mixture", ctx)->gram(p, X)(0, 1), std::exp(-0.5 * dw / 0.25), 1e-14);
  const double r = std::sqrt(dw / 0.25), s = std::sqrt(5.0) * r;
  EXPECT_NEAR(make_matern52("mixture", ctx)->gram(p, X)(0, 1), (1 + s + s * s / 3) * std::exp(-s),
              1e-14);
  const double s3 = std::sqrt(3.0) * r;
  EXPECT_NEAR(make_matern32("mixture", ctx)->gram(p, X)(0, 1), (1 + s3) * std::exp(-s3), 1e-14);
  // expdecay: t = 1 and 4 (units of 1000 steps), alpha 2, beta 0.5, offset 0.1
  Eigen::VectorXd e(3);
  e << std::log(2.0), std::log(0.5), std::log(0.1);
  EXPECT_NEAR(make_expdecay("steps", ctx)->gram(e, X)(0, 1),
              0.1 + std::pow(0.5, 2.0) / std::pow(1 + 4 + 0.5, 2.0), 1e-14);
  // downsampling: first point one decade below the target, second at the target.
  Eigen::VectorXd q(2);
  q << std::log(0.7), std::log(0.5);
  const auto K = make_downsampling("scale", ctx)->gram(q, X);
  EXPECT_NEAR(K(0, 0), 0.7 + 1.0, 1e-12);
  EXPECT_NEAR(K(0, 1), 0.7, 1e-14);
  EXPECT_NEAR(K(1, 1), 0.7, 1e-14);
  // linear: the dot product of the shares, whatever the other columns.
  const auto L = make_linear("mixture", ctx)->gram(Eigen::VectorXd(), X);
  EXPECT_NEAR(L(0, 1), 0.2 * 0.5 + 0.8 * 0.5, 1e-15);
  EXPECT_NEAR(L(0, 0), 0.2 * 0.2 + 0.8 * 0.8, 1e-15);
  // additive: the mean of one Matern-5/2 per share, each on its own lengthscale (0.5 and 0.25).
  const auto m52 = [](double d) {
    const double t = std::sqrt(5.0) * d;
    return (1 + t + t * t / 3) * std::exp(-t);
  };
  Eigen::VectorXd a(2);
  a << std::log(0.5), std::log(0.25);
  const auto A = make_additive("mixture", ctx)->gram(a, X);
  EXPECT_NEAR(A(0, 1), 0.5 * (m52(0.3 / 0.5) + m52(0.3 / 0.25)), 1e-14);
  EXPECT_NEAR(A(1, 1), 1.0, 1e-14);
  // A share alone reads its own column only.
  EXPECT_NEAR(make_matern52("share2", ctx)->gram(a.tail(1), X)(0, 1), m52(0.3 / 0.25), 1e-14);
}

// A large cross block with few distinct step counts (a candidate batch at one step count against
// training rows on a step grid) is gathered from a table over the distinct pairs; a block of
// distinct step counts is not. Both must be the closed form at every entry.
TEST(KernelValues, ExpDecayCrossOfALargeBlockIsTheClosedFormAtEveryEntry) {
  const KernelContext ctx = gp_context(2);
  Eigen::VectorXd e(3);
  e << std::log(0.7), std::log(2.0), std::log(0.2);
  const auto closed = [](double t1, double t2) {
    return 0.2 + std::pow(2.0 / (t1 + t2 + 2.0), 0.7);
  };
  for (bool grid : {true, false}) {
    Eigen::MatrixXd X1 = Eigen::MatrixXd::Zero(300, 4), X2 = Eigen::MatrixXd::Zero(70, 4);
    for (Eigen::Index i = 0; i < X1.rows(); ++i)
      X1(i, 3) = std::log(grid ? 500.0 * (1 + i % 3) : 100.0 + static_cast<double>(i));
    for (Eigen::Index i = 0; i < X2.rows(); ++i)
      X2(i, 3) = std::log(grid ? 2000.0 * (1 + i % 7) : 50.0 + 3.0 * static_cast<double>(i));
    const Eigen::MatrixXd K = make_expdecay("steps", ctx)->cross(e, X1, X2);
    for (Eigen::Index j = 0; j < X2.rows(); ++j)
      for (Eigen::Index i = 0; i < X1.rows(); ++i)
        ASSERT_NEAR(K(i, j), closed(std::exp(X1(i, 3)) / 1000, std::exp(X2(j, 3)) / 1000), 1e-13)
            << (grid ? "grid" : "distinct") << " at " << i << "," << j;
  }
}

TEST(KernelSum, WeighsItsLaterTermsAndNamesRepeatedLeavesApart) {
  const KernelContext ctx = gp_context(2);
  const KernelPtr k = parse_kernel("rbf(scale) + rbf(scale) * rbf(steps)", ctx);
  const auto specs = k->param_specs();
  ASSERT_EQ(specs.size(), 4u);  // rbf(scale), rbf(scale)#2, rbf(steps), the second term's weight
  EXPECT_EQ(specs[0].name, "rbf(scale).lengthscale[0]");
  EXPECT_EQ(specs[1].name, "rbf(scale).lengthscale[0]#2");
  EXPECT_EQ(specs[3].name, "sum.log_weight[1]");
  const Eigen::MatrixXd X = continuous_features(4, 2, 21);
  Eigen::VectorXd p(4);
  p << std::log(0.7), std::log(1.3), std::log(0.4), std::log(0.25);
  const auto a = parse_kernel("rbf(scale)", ctx)->gram(p.segment(0, 1), X);
  const auto b = parse_kernel("rbf(scale) * rbf(steps)", ctx)->gram(p.segment(1, 2), X);
  EXPECT_LT((k->gram(p, X) - (a + 0.25 * b)).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(KernelParser, BuildsTheConfigDefaultWithParamsInOrder) {
  const KernelPtr k =
      parse_kernel("matern52(mixture) * rbf(scale) * expdecay(steps)", gp_context(7));
  EXPECT_EQ(k->expression(), "matern52(mixture) * rbf(scale) * expdecay(steps)");
  EXPECT_EQ(k->num_params(), 7 + 1 + 3);
  const auto specs = k->param_specs();
  EXPECT_EQ(specs.front().name, "matern52(mixture).lengthscale[0]");
  EXPECT_EQ(specs.back().name, "expdecay.log_offset");
}

// The archive's diagnostics and describe() report hyperparameters by these names and values: a
// lengthscale as a lengthscale, never its log under the lengthscale's name (session 18 read the
// archive's stored logs as lengthscales).
TEST(GpModelNaturalUnits, ExponentiatesThePositiveEntriesAndNamesThemWithoutLog) {
  const GpModel m = GpModel::from_expression("rbf(scale) * expdecay(steps)", gp_context(3));
  Eigen::VectorXd theta = m.initial();
  theta[0] = std::log(2.5);  // rbf(scale).lengthscale[0]
  theta[1] = std::log(0.3);  // expdecay.log_alpha
  theta[m.signal_index()] = std::log(4.0);
  theta[m.noise_index()] = std::log(1e-3);
  theta[m.mean_index()] = -0.7;
  EXPECT_EQ(m.natural_name(0), "rbf(scale).lengthscale[0]");
  EXPECT_NEAR(m.natural_value(theta, 0), 2.5, 1e-12);
  EXPECT_EQ(m.natural_name(1), "expdecay.alpha");
  EXPECT_NEAR(m.natural_value(theta, 1), 0.3, 1e-12);
  EXPECT_EQ(m.natural_name(m.signal_index()), "signal_variance");
  EXPECT_NEAR(m.natural_value(theta, m.signal_index()), 4.0, 1e-12);
  EXPECT_NEAR(m.natural_value(theta, m.noise_index()), 1e-3 + m.options().noise_floor, 1e-15);
  EXPECT_EQ(m.natural_name(m.mean_index()), "mean.constant");
  EXPECT_EQ(m.natural_value(theta, m.mean_index()), -0.7);  // not a log: as it is
  EXPECT_NE(m.describe(theta).find("expdecay.alpha = 0.3"), std::string::npos) << m.describe(theta);
}

TEST(KernelParser, PrecedenceAndParentheses) {
  EXPECT_EQ(parse_kernel("rbf(mixture)+rbf(scale)*rbf(steps)", gp_context(2))->expression(),
            "rbf(mixture) + rbf(scale) * rbf(steps)");
  EXPECT_EQ(
      parse_kernel(" ( rbf(mixture) + rbf(scale) ) * rbf(steps) ", gp_context(2))->expression(),
      "(rbf(mixture) + rbf(scale)) * rbf(steps)");
}

TEST(KernelParser, RejectsBadExpressionsWithClearMessages) {
  const auto msg = [](const std::string& e) {
    try {
      parse_kernel(e, gp_context(3));
    } catch (const ConfigError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("").find("empty"), std::string::npos);
  EXPECT_NE(msg("matern12(mixture)").find("unknown kernel 'matern12'"), std::string::npos);
  EXPECT_NE(msg("rbf(weights)").find("unknown kernel column group 'weights'"), std::string::npos);
  EXPECT_NE(msg("rbf(mixture) *").find("expression ends"), std::string::npos);
  EXPECT_NE(msg("rbf(mixture").find("expected ')'"), std::string::npos);
  EXPECT_NE(msg("rbf mixture").find("expected '('"), std::string::npos);
  EXPECT_NE(msg("rbf(mixture) rbf(scale)").find("expected + or *"), std::string::npos);
  EXPECT_NE(msg("expdecay(mixture)").find("steps column only"), std::string::npos);
  EXPECT_NE(msg("downsampling(steps)").find("scale column only"), std::string::npos);
  EXPECT_NE(msg("linear(all)").find("mixture columns only"), std::string::npos);
  EXPECT_NE(msg("additive(scale)").find("mixture columns only"), std::string::npos);
  EXPECT_NE(msg("rbf(share4)").find("share past the 3 domains"), std::string::npos);
  EXPECT_NE(msg("rbf(share0)").find("share1 .. share3"), std::string::npos);
  EXPECT_NE(msg("rbf(mixture) * ) ").find("position 16"), std::string::npos);
  KernelContext no_target;
  no_target.k = 3;
  EXPECT_THROW(parse_kernel("downsampling(scale)", no_target), ConfigError);
}

// Kernels are picked through the same Registry as every other component: each registered name
// parses, and an unknown one is refused with the registered names.
TEST(KernelParser, EveryRegisteredKernelParsesAndTheErrorListsThem) {
  const auto& reg = kernel_registry();
  ASSERT_EQ(reg.names(), (std::vector<std::string>{"matern32", "matern52", "rbf", "expdecay",
                                                   "downsampling", "linear", "additive"}));
  const char* group[] = {"mixture", "mixture", "mixture", "steps", "scale", "mixture", "mixture"};
  for (size_t i = 0; i < reg.entries().size(); ++i) {
    const auto& e = reg.entries()[i];
    EXPECT_FALSE(e.help.empty()) << e.name;
    EXPECT_EQ(parse_kernel(e.name + "(" + group[i] + ")", gp_context(3))->expression(),
              e.name + "(" + group[i] + ")");
  }
  try {
    parse_kernel("smooth(scale)", gp_context(3));
    FAIL() << "an unknown kernel parsed";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "(known: matern32, matern52, rbf, expdecay, downsampling, linear, additive)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
