// Exact GP: marginal likelihood and posterior against a direct dense computation (explicit
// inverse and log-determinant), finite-difference checks of the LML gradient and of the
// posterior input gradients, fantasy update vs refit, serialisation, degenerate data.
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/space/sampling.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

Eigen::VectorXd outputs(const Eigen::MatrixXd& X, std::uint64_t seed) {
  Rng rng = make_rng(seed, 1);
  std::normal_distribution<double> nd(0, 0.05);
  Eigen::VectorXd y(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    y[i] = 3.0 + std::sin(4 * X(i, 0)) - X(i, 1) * X(i, 1) + 0.1 * (X(i, kK) - 18) +
           0.2 / std::exp(X(i, kK + 1) - 6) + nd(rng);
  return y;
}

// The mean functions: a constant, c + b'x, and c + b'(x - x0) (GpOptions::mean_origin).
enum class Mean { kConstant, kLinear, kCentred };
constexpr Mean kMeans[] = {Mean::kConstant, Mean::kLinear, Mean::kCentred};

GpModel model(const char* expr, Mean mean = Mean::kConstant) {
  GpOptions o;
  o.linear_mean = mean != Mean::kConstant;
  if (mean == Mean::kCentred) {
    o.mean_origin = Eigen::VectorXd::Constant(kK + 2, 1.0 / kK);
    o.mean_origin.tail(2) << 20.7, 9.9;  // log 1B parameters, log 19,500 steps
  }
  return GpModel::from_expression(expr, gp_context(kK), o);
}

double rel(double a, double b, double floor = 1e-4) {
  return std::abs(a - b) / std::max(std::abs(b), floor);
}

const char* kDefault = "matern52(mixture) * rbf(scale) * expdecay(steps)";

// Direct dense reference: K^-1 by LU, log det from the LU factors.
struct Dense {
  double lml;
  Eigen::VectorXd mean, var;
};
Dense dense_reference(const GpModel& m, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                      const Eigen::VectorXd& th, const Eigen::MatrixXd& Xs) {
  const Standardizer st = Standardizer::fit(y);
  const Eigen::VectorXd ys = st.apply(y);
  const Eigen::VectorXd p = m.kernel_params(th);
  const double s2 = m.signal_variance(th);
  Eigen::MatrixXd K = s2 * m.kernel().cross(p, X, X);
  K.diagonal().array() += m.noise_variance(th);
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(K);
  const Eigen::MatrixXd Kinv = lu.inverse();
  const double logdet = lu.matrixLU().diagonal().array().abs().log().sum();
  const Eigen::VectorXd r = ys - m.mean(th, X);
  Dense d;
  d.lml = -0.5 * r.dot(Kinv * r) - 0.5 * logdet - 0.5 * X.rows() * std::log(2 * std::numbers::pi);
  const Eigen::MatrixXd Ks = s2 * m.kernel().cross(p, Xs, X);
  d.mean = ((m.mean(th, Xs) + Ks * Kinv * r).array() * st.scale + st.mean).matrix();
  d.var = ((s2 * m.kernel().diagonal(p, Xs) - (Ks * Kinv * Ks.transpose()).diagonal()).array() *
           st.scale * st.scale)
              .matrix();
  return d;
}

TEST(GpLikelihood, EqualsDenseComputation) {
  for (Mean linear : kMeans) {
    const GpModel m = model(kDefault, linear);
    const Eigen::MatrixXd X = continuous_features(25, kK, 1);
    const Eigen::VectorXd y = outputs(X, 1);
    const Eigen::MatrixXd Xs = continuous_features(8, kK, 2);
    const Eigen::VectorXd th = perturbed(m, 3);
    const Dense d = dense_reference(m, X, y, th, Xs);
    const GaussianProcess gp(m, X, y, th);
    EXPECT_LT(rel(gp.log_marginal_likelihood(), d.lml, 1.0), 1e-9);
    EXPECT_LT(rel(log_marginal_likelihood(m, X, Standardizer::fit(y).apply(y), th), d.lml, 1.0),
              1e-9);
    const Posterior post = gp.predict(Xs);
    for (int i = 0; i < 8; ++i) {
      EXPECT_LT(rel(post.mean[i], d.mean[i], 1.0), 1e-9);
      EXPECT_LT(std::abs(post.variance[i] - d.var[i]), 1e-9 * std::max(1.0, d.var[i]));
    }
  }
}

TEST(GpLikelihood, GradientMatchesCentralDifferences) {
  const char* exprs[] = {kDefault, "rbf(mixture) * downsampling(scale) + rbf(steps)"};
  for (const char* e : exprs) {
    for (Mean linear : kMeans) {
      GpModel m = model(e, linear);
      // Exercise the gamma prior's gradient too.
      m.specs()[m.noise_index()].prior = Prior::gamma(1.1, 20.0);
      const Eigen::MatrixXd X = continuous_features(30, kK, 4);
      const Eigen::VectorXd ys = Standardizer::fit(outputs(X, 4)).apply(outputs(X, 4));
      const Eigen::VectorXd th = perturbed(m, 5);
      Eigen::VectorXd g, gp;
      log_marginal_likelihood(m, X, ys, th, &g);
      log_posterior(m, X, ys, th, &gp);
      ASSERT_EQ(g.size(), th.size());
      const double h = 1e-5;
      for (Eigen::Index j = 0; j < th.size(); ++j) {
        Eigen::VectorXd tp = th, tm = th;
        tp[j] += h;
        tm[j] -= h;
        const double fd =
            (log_marginal_likelihood(m, X, ys, tp) - log_marginal_likelihood(m, X, ys, tm)) /
            (2 * h);
        EXPECT_LT(rel(g[j], fd), 1e-5) << e << " theta " << j << " (" << m.specs()[j].name
                                       << ") analytic " << g[j] << " fd " << fd;
        const double fdp = (log_posterior(m, X, ys, tp) - log_posterior(m, X, ys, tm)) / (2 * h);
        EXPECT_LT(rel(gp[j], fdp), 1e-5) << e << " posterior, theta " << j;
      }
    }
  }
}

// A fit reuses one workspace across evaluations: values and gradients at several theta on a
// ladder (repeated scales and steps) must match fresh evaluations and central differences.
TEST(GpLikelihood, ReusedWorkspaceMatchesFreshEvaluationsAndDifferences) {
  const GpModel m = model(kDefault);
  Eigen::MatrixXd X = continuous_features(40, kK, 6);
  for (int i = 0; i < 40; ++i) {
    X(i, kK) = std::log(std::vector<double>{2e7, 6e7, 3e8}[static_cast<size_t>(i % 3)]);
    X(i, kK + 1) = std::log(1000.0 * (1 + i % 7));
  }
  const Eigen::VectorXd ys = Standardizer::fit(outputs(X, 6)).apply(outputs(X, 6));
  LikelihoodWorkspace ws(m, X);
  for (int rep = 0; rep < 3; ++rep) {
    const Eigen::VectorXd th = perturbed(m, 10 + static_cast<std::uint64_t>(rep));
    Eigen::VectorXd g, g_fresh;
    const double v = log_marginal_likelihood(m, X, ys, th, &g, &ws);
    EXPECT_EQ(v, log_marginal_likelihood(m, X, ys, th, &g_fresh));
    EXPECT_EQ(g, g_fresh);
    const double h = 1e-5;
    for (Eigen::Index j = 0; j < th.size(); ++j) {
      Eigen::VectorXd tp = th, tm = th;
      tp[j] += h;
      tm[j] -= h;
      const double fd = (log_marginal_likelihood(m, X, ys, tp, nullptr, &ws) -
                         log_marginal_likelihood(m, X, ys, tm, nullptr, &ws)) /
                        (2 * h);
      EXPECT_LT(rel(g[j], fd), 1e-5) << "theta " << j << " analytic " << g[j] << " fd " << fd;
    }
  }
  const Eigen::MatrixXd other = X;
  EXPECT_THROW(log_marginal_likelihood(m, other, ys, m.initial(), nullptr, &ws), Error);
}

// The same LML and gradient whatever instruction set the build targets (MIXBO_ARCH): the
// reference values below were computed by a MIXBO_ARCH=none (SSE2) build; AVX2/FMA and
// AVX-512 builds change the rounding of Eigen's kernels only, far below these tolerances.
TEST(GpLikelihood, MatchesStoredReferenceOfABaselineIsaBuild) {
  const GpModel m = model(kDefault);
  Eigen::MatrixXd X = continuous_features(60, kK, 8);
  for (int i = 0; i < 60; ++i) {
    X(i, kK) = std::log(std::vector<double>{2e7, 6e7, 3e8}[static_cast<size_t>(i % 3)]);
    X(i, kK + 1) = std::log(500.0 * (1 + i % 9));
  }
  const Eigen::VectorXd ys = Standardizer::fit(outputs(X, 8)).apply(outputs(X, 8));
  const Eigen::VectorXd th = perturbed(m, 9);
  Eigen::VectorXd g;
  const double lml = log_marginal_likelihood(m, X, ys, th, &g);
  const double kLml = -12.79667230213289;
  const std::vector<double> kGrad = {
      -8.6544331901516767, 5.1749928261590004,    4.9063134543992213, 14.419131669061768,
      -1.6539145122166823, -0.057392923717093702, 5.7271982396697725, 4.0940716677573423,
      1.5733296805753711,  -6.1819539192836288};
  EXPECT_LT(rel(lml, kLml, 1.0), 1e-9);
  ASSERT_EQ(static_cast<size_t>(g.size()), kGrad.size());
  for (Eigen::Index j = 0; j < g.size(); ++j)
    EXPECT_LT(std::abs(g[j] - kGrad[static_cast<size_t>(j)]),
              1e-7 * std::max(1.0, std::abs(kGrad[static_cast<size_t>(j)])))
        << "theta " << j;
}

TEST(GpPosterior, InputGradientsMatchCentralDifferences) {
  for (Mean linear : kMeans) {
    const GpModel m = model("matern52(mixture) * downsampling(scale) * expdecay(steps)", linear);
    const Eigen::MatrixXd X = continuous_features(20, kK, 6);
    const GaussianProcess gp(m, X, outputs(X, 6), perturbed(m, 7));
    const Eigen::MatrixXd Xq = continuous_features(3, kK, 8);
    for (int q = 0; q < 3; ++q) {
      const Eigen::VectorXd x = Xq.row(q).transpose();
      const PointGradient g = gp.predict_with_gradient(x);
      const Posterior at = gp.predict(Xq.row(q));
      EXPECT_NEAR(g.mean, at.mean[0], 1e-10 * std::max(1.0, std::abs(at.mean[0])));
      EXPECT_NEAR(g.variance, at.variance[0], 1e-10);
      const double h = 1e-6;
      for (int d = 0; d < m.dim(); ++d) {
        Eigen::MatrixXd xp = x.transpose(), xm = x.transpose();
        xp(0, d) += h;
        xm(0, d) -= h;
        const Posterior pp = gp.predict(xp), pm = gp.predict(xm);
        const double fdm = (pp.mean[0] - pm.mean[0]) / (2 * h);
        const double fdv = (pp.variance[0] - pm.variance[0]) / (2 * h);
        EXPECT_LT(rel(g.dmean[d], fdm), 1e-5)
            << "mean, dim " << d << ": " << g.dmean[d] << " vs " << fdm;
        EXPECT_LT(rel(g.dvariance[d], fdv), 1e-5)
            << "variance, dim " << d << ": " << g.dvariance[d] << " vs " << fdv;
      }
    }
  }
}

TEST(GpPosterior, CovarianceMatchesDenseAndVariance) {
  const GpModel m = model(kDefault);
  const Eigen::MatrixXd X = continuous_features(15, kK, 9);
  const Eigen::VectorXd y = outputs(X, 9);
  const Eigen::VectorXd th = perturbed(m, 10);
  const GaussianProcess gp(m, X, y, th);
  const Eigen::MatrixXd A = continuous_features(4, kK, 11), B = continuous_features(5, kK, 12);
  const Eigen::MatrixXd C = gp.covariance(A, B);
  const double sc2 = std::pow(gp.standardizer().scale, 2);
  const Eigen::VectorXd p = m.kernel_params(th);
  const double s2 = m.signal_variance(th);
  Eigen::MatrixXd K = s2 * m.kernel().cross(p, X, X);
  K.diagonal().array() += m.noise_variance(th);
  const Eigen::MatrixXd Kinv = K.inverse();
  const Eigen::MatrixXd ref =
      sc2 * (s2 * m.kernel().cross(p, A, B) -
             s2 * s2 * m.kernel().cross(p, A, X) * Kinv * m.kernel().cross(p, X, B));
  EXPECT_LT((C - ref).cwiseAbs().maxCoeff(), 1e-9 * std::max(1.0, ref.cwiseAbs().maxCoeff()));
  const Eigen::MatrixXd CA = gp.covariance(A, A);
  EXPECT_LT((CA.diagonal() - gp.predict(A).variance).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT(
      (gp.prior_covariance(A, B) - sc2 * s2 * m.kernel().cross(p, A, B)).cwiseAbs().maxCoeff(),
      1e-12);
}

// With the linear kernel on the shares the GP is Bayesian linear regression, f(w) = c + w'b with
// b ~ N(0, s2 I) and noise variance n: posterior mean c + w*'(W'W + (n / s2) I)^-1 W'(y - c) and
// variance n w*'(W'W + (n / s2) I)^-1 w* (the weight-space view; Rasmussen & Williams 2.1.1),
// in standardised units. A check of the leaf inside the whole GP, by another route than K^-1.
TEST(GpPosterior, TheLinearKernelIsBayesianLinearRegressionOnTheShares) {
  const GpModel m = model("linear(mixture)");
  const Eigen::MatrixXd X = continuous_features(12, kK, 21);
  const Eigen::VectorXd y = outputs(X, 21);
  const Eigen::MatrixXd Xs = continuous_features(6, kK, 22);
  const Eigen::VectorXd th = perturbed(m, 23);
  const GaussianProcess gp(m, X, y, th);
  const Standardizer st = Standardizer::fit(y);
  const double c = m.mean(th, X)[0], s2 = m.signal_variance(th), n = m.noise_variance(th);
  const Eigen::MatrixXd W = X.leftCols(kK), Ws = Xs.leftCols(kK);
  const Eigen::MatrixXd A = W.transpose() * W + (n / s2) * Eigen::MatrixXd::Identity(kK, kK);
  const Eigen::VectorXd b = A.ldlt().solve(W.transpose() * (st.apply(y).array() - c).matrix());
  const Posterior post = gp.predict(Xs);
  for (Eigen::Index i = 0; i < Xs.rows(); ++i) {
    const Eigen::VectorXd w = Ws.row(i).transpose();
    EXPECT_NEAR(post.mean[i], (c + w.dot(b)) * st.scale + st.mean, 1e-9 * st.scale);
    EXPECT_NEAR(post.variance[i], n * w.dot(A.ldlt().solve(w)) * st.scale * st.scale,
                1e-9 * st.scale * st.scale);
  }
}

TEST(GpPosterior, FantasyEqualsRefitWithAppendedData) {
  const GpModel m = model(kDefault, Mean::kCentred);
  const Eigen::MatrixXd X = continuous_features(30, kK, 13);
  const Eigen::VectorXd y = outputs(X, 13);
  const Eigen::VectorXd th = perturbed(m, 14);
  const GaussianProcess gp(m, X, y, th);
  const Eigen::MatrixXd Xn = continuous_features(4, kK, 15);
  const Eigen::VectorXd yn = gp.predict(Xn).mean + Eigen::VectorXd::Constant(4, 0.1);
  const GaussianProcess f1 = gp.fantasize(Xn.topRows(1), yn.head(1));
  const GaussianProcess fan = f1.fantasize(Xn.bottomRows(3), yn.tail(3));  // chained
  Eigen::MatrixXd Xa(34, m.dim());
  Xa << X, Xn;
  Eigen::VectorXd ya(34);
  ya << y, yn;
  const GaussianProcess ref(m, Xa, ya, th, gp.standardizer());
  EXPECT_EQ(fan.n(), 34);
  const Eigen::MatrixXd Xs = continuous_features(10, kK, 16);
  const Posterior a = fan.predict(Xs), b = ref.predict(Xs);
  EXPECT_LT((a.mean - b.mean).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((a.variance - b.variance).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT(std::abs(fan.log_marginal_likelihood() - ref.log_marginal_likelihood()), 1e-9);
  // Kriging believer at the fantasised point itself: mean unchanged, variance shrinks.
  const Posterior before = gp.predict(Xn), after = fan.predict(Xn);
  for (int i = 0; i < 4; ++i) EXPECT_LT(after.variance[i], before.variance[i]);
}

// c + b'(x - x0): c at the origin, and each coefficient the change per unit of its feature there.
TEST(GpModel, ACentredLinearMeanIsItsConstantAtTheOrigin) {
  const GpModel m = model(kDefault, Mean::kCentred);
  Eigen::VectorXd th = perturbed(m, 31);
  for (int d = 0; d < m.dim(); ++d) th[m.mean_index() + 1 + d] = 0.1 * (d + 1);
  const Eigen::VectorXd x0 = m.options().mean_origin;
  EXPECT_DOUBLE_EQ(m.mean(th, x0.transpose())[0], th[m.mean_index()]);
  for (int d = 0; d < m.dim(); ++d) {
    Eigen::RowVectorXd x = x0.transpose();
    x[d] += 1.0;
    EXPECT_NEAR(m.mean(th, x)[0], th[m.mean_index()] + 0.1 * (d + 1), 1e-12) << "feature " << d;
  }
  GpOptions wrong;
  wrong.linear_mean = true;
  wrong.mean_origin = Eigen::VectorXd::Zero(kK);
  EXPECT_THROW(GpModel::from_expression(kDefault, gp_context(kK), wrong), Error);
}

TEST(GpPosterior, SerializationRoundTripIsExact) {
  const GpModel m =
      model("matern52(mixture) * downsampling(scale) * expdecay(steps)", Mean::kCentred);
  const Eigen::MatrixXd X = continuous_features(12, kK, 17);
  const GaussianProcess gp =
      GaussianProcess(m, X, outputs(X, 17), perturbed(m, 18))
          .fantasize(continuous_features(2, kK, 19), Eigen::Vector2d(2.0, 2.5));
  ByteWriter w;
  gp.serialize(w);
  ByteReader r(w.bytes());
  const GaussianProcess back = GaussianProcess::deserialize(r);
  EXPECT_TRUE(r.done());
  const Eigen::MatrixXd Xs = continuous_features(6, kK, 20);
  const Posterior a = gp.predict(Xs), b = back.predict(Xs);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.variance, b.variance);
  EXPECT_EQ(back.model().kernel().expression(), gp.model().kernel().expression());
  EXPECT_EQ(back.theta(), gp.theta());
}

TEST(GpDegenerate, SingleObservationDuplicatesAndConstantOutputs) {
  const GpModel m = model(kDefault);
  const Eigen::MatrixXd X1 = continuous_features(1, kK, 21);
  const GaussianProcess one(m, X1, Eigen::VectorXd::Constant(1, 2.5), m.initial());
  const Posterior p1 = one.predict(X1);
  EXPECT_TRUE(std::isfinite(p1.mean[0]) && std::isfinite(p1.variance[0]));
  EXPECT_NEAR(p1.mean[0], 2.5, 0.1);

  // Eight copies of one input with a tiny noise floor and constant outputs.
  GpOptions o;
  o.noise_floor = 1e-20;
  const GpModel mt = GpModel::from_expression(kDefault, gp_context(kK), o);
  Eigen::VectorXd th = mt.initial();
  th[mt.noise_index()] = std::log(1e-30);
  const Eigen::MatrixXd Xd = X1.replicate(8, 1);
  const GaussianProcess dup(mt, Xd, Eigen::VectorXd::Constant(8, 1.0), th);
  EXPECT_GT(dup.jitter(), 0.0);
  const Posterior pd = dup.predict(continuous_features(3, kK, 22));
  EXPECT_TRUE(pd.mean.allFinite() && pd.variance.allFinite());
  EXPECT_NEAR(dup.predict(X1).mean[0], 1.0, 1e-6);
  EXPECT_EQ(dup.standardizer().scale, 1.0);
}

TEST(GpDegenerate, NonFiniteOutputsNameTheObservation) {
  const GpModel m = model(kDefault);
  const Eigen::MatrixXd X = continuous_features(6, kK, 23);
  Eigen::VectorXd y = outputs(X, 23);
  y[4] = std::numeric_limits<double>::quiet_NaN();
  try {
    GaussianProcess gp(m, X, y, m.initial());
    FAIL() << "NaN output accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("observation 4"), std::string::npos) << e.what();
  }
  y[4] = 1.0;
  y[2] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(GaussianProcess(m, X, y, m.initial()), Error);
  EXPECT_THROW(GaussianProcess(m, X.leftCols(3), outputs(X, 1), m.initial()), Error);
}

TEST(GpCholesky, JitterEscalationAndInverse) {
  // Rank-deficient PSD matrix: plain Cholesky fails, jitter rescues it.
  Eigen::MatrixXd V = Eigen::MatrixXd::Random(20, 3);
  Eigen::MatrixXd A = V * V.transpose();
  EXPECT_GT(cholesky_in_place(A, "test"), 0.0);
  // Indefinite: no jitter up to 1e-4 helps.
  Eigen::MatrixXd B = Eigen::MatrixXd::Identity(5, 5);
  B(2, 2) = -1;
  try {
    cholesky_in_place(B, "indefinite test");
    FAIL();
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("indefinite test"), std::string::npos);
  }
  // Inverse from the factor (n > the recursion leaf) vs LU inverse.
  const int n = 157;
  Eigen::MatrixXd R = Eigen::MatrixXd::Random(n, n);
  Eigen::MatrixXd S = R * R.transpose() + n * Eigen::MatrixXd::Identity(n, n);
  const Eigen::MatrixXd Sinv = S.inverse();
  Eigen::MatrixXd F = S;
  EXPECT_EQ(cholesky_in_place(F, "spd"), 0.0);
  inverse_from_cholesky_in_place(F);
  const Eigen::MatrixXd lower = F.triangularView<Eigen::Lower>();
  const Eigen::MatrixXd ref = Sinv.triangularView<Eigen::Lower>();
  EXPECT_LT((lower - ref).cwiseAbs().maxCoeff(), 1e-12 * Sinv.cwiseAbs().maxCoeff() * n);
  // The strictly upper triangle still holds S.
  const Eigen::MatrixXd up = F.triangularView<Eigen::StrictlyUpper>();
  const Eigen::MatrixXd sup = S.triangularView<Eigen::StrictlyUpper>();
  EXPECT_EQ(up, sup);
}

TEST(GpCholesky, MirrorCopiesOneTriangleOntoTheOther) {
  for (const int n : {0, 1, 2, 63, 64, 65, 129, 200}) {
    const Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n);
    Eigen::MatrixXd lo = A, up = A;
    mirror_lower_to_upper(lo);
    mirror_upper_to_lower(up);
    const Eigen::MatrixXd want_lo = A.selfadjointView<Eigen::Lower>();
    const Eigen::MatrixXd want_up = A.selfadjointView<Eigen::Upper>();
    EXPECT_EQ(lo, want_lo) << "n = " << n;
    EXPECT_EQ(up, want_up) << "n = " << n;
  }
}

}  // namespace
