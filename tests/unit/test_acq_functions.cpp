// Acquisition building blocks: the stable LogEI pieces against closed forms (double and long
// double), tail behaviour, the discrete knowledge gradient against quadrature, and every
// acquisition's gradient wrt the mixture against central differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "gp_fixture.hpp"
#include "mixbo/acq/acquisition.hpp"
#include "mixbo/acq/knowledge_gradient.hpp"
#include "mixbo/acq/max_value_entropy.hpp"
#include "mixbo/acq/normal.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/space/sampling.hpp"

using namespace mixbo;

namespace {

// h(z) = phi(z) + z Phi(z) in long double: 11 more bits than double, enough to serve as the
// reference down to z = -30 where the cancellation costs ~z^2.
long double h_long(long double z) {
  const long double phi = std::exp(-0.5L * z * z) / std::sqrt(2.0L * 3.14159265358979323846L);
  const long double Phi = 0.5L * std::erfc(-z / std::sqrt(2.0L));
  return phi + z * Phi;
}

}  // namespace

TEST(AcqNormal, ErfcxMatchesDefinitionAndContinuedFractionIsSeamless) {
  for (double x = -3.0; x <= 5.0; x += 0.125) {
    const long double ref =
        std::exp(static_cast<long double>(x) * x) * std::erfc(static_cast<long double>(x));
    EXPECT_NEAR(erfcx(x) / static_cast<double>(ref), 1.0, 1e-13) << "x = " << x;
  }
  // Asymptote 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4)) far out.
  for (double x : {50.0, 1e3, 1e6}) {
    const double u = 1 / (x * x);
    const double ref = 1 / (x * std::sqrt(M_PI)) * (1 - 0.5 * u + 0.75 * u * u - 1.875 * u * u * u);
    EXPECT_NEAR(erfcx(x) / ref, 1.0, 1e-12) << x;
  }
}

TEST(AcqNormal, LogHEqualsLogOfClosedFormWhereFinite) {
  for (double z = -5.0; z <= 6.0; z += 0.01)
    EXPECT_NEAR(log_h(z), std::log(ei_h(z)), 1e-11 * std::max(1.0, std::abs(std::log(ei_h(z)))))
        << "z = " << z;
  // Deeper, against the long-double closed form (the double one has cancelled by then).
  for (double z = -30.0; z <= -1.0; z += 0.05) {
    const double ref = static_cast<double>(std::log(h_long(z)));
    EXPECT_NEAR(log_h(z), ref, 1e-12 * std::abs(ref)) << "z = " << z;
  }
}

TEST(AcqNormal, LogHFiniteAndMonotoneFarInTheTail) {
  double prev = -std::numeric_limits<double>::infinity();
  for (double z = -1e12; z < 0; z /= 1.01) {
    const double v = log_h(z);
    ASSERT_TRUE(std::isfinite(v)) << z;
    ASSERT_GT(v, prev) << "z = " << z;
    prev = v;
    if (z > -1e-3) break;
  }
  // The closed form underflows to 0 (log = -inf) long before: the point of LogEI.
  EXPECT_EQ(ei_h(-40.0), 0.0);
  EXPECT_TRUE(std::isfinite(log_h(-40.0)));
  // No visible seam at the branch switches.
  for (double s : {-1.0, -1000.0})
    EXPECT_NEAR(log_h(s * (1 - 1e-12)), log_h(s * (1 + 1e-12)), 1e-9 * std::abs(log_h(s)));
}

TEST(AcqNormal, DerivativeOfLogHMatchesCentralDifferences) {
  for (double z : {-1e6, -5e3, -1000.5, -999.5, -120.0, -37.0, -8.0, -2.5, -1.0001, -0.9999, -0.3,
                   0.0, 0.7, 3.0, 9.0}) {
    const double h = 1e-6 * std::max(1.0, std::abs(z));
    const double fd = (log_h(z + h) - log_h(z - h)) / (2 * h);
    // The values are ~z^2/2: the difference quotient carries ~eps z^2 / h of rounding.
    const double tol = 1e-6 * std::abs(fd) + 1e-16 * z * z / h * 4;
    EXPECT_NEAR(dlog_h(z), fd, tol) << "z = " << z;
  }
}

TEST(AcqKnowledgeGradient, MatchesQuadratureAndHasExactGradient) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd;
  for (int rep = 0; rep < 20; ++rep) {
    const int J = 3 + rep % 8;
    Eigen::VectorXd a(J), b(J);
    for (int j = 0; j < J; ++j) {
      a[j] = 0.3 * nd(rng);
      b[j] = 0.5 * nd(rng);
    }
    if (rep % 4 == 0) b[1] = b[0];  // equal slopes are handled
    // E[max_j a_j + b_j Z] by Simpson's rule on [-12, 12].
    const int N = 24000;
    const double lo = -12, step = 24.0 / N;
    double E = 0;
    for (int i = 0; i <= N; ++i) {
      const double z = lo + i * step;
      const double f = (a + b * z).maxCoeff() * normal_pdf(z);
      E += f * (i == 0 || i == N ? 1 : (i % 2 ? 4 : 2));
    }
    E *= step / 3;
    const double kg = E - a.maxCoeff();
    const LogKg r = log_knowledge_gradient(a, b, true);
    EXPECT_NEAR(std::exp(r.log_value), kg, 1e-7 * std::max(1.0, kg)) << rep;
    if (kg < 1e-6) continue;  // the gradient check below is on log KG
    for (int j = 0; j < J; ++j) {
      const double h = 1e-6;
      Eigen::VectorXd bp = b, bm = b;
      bp[j] += h;
      bm[j] -= h;
      const double fd = (log_knowledge_gradient(a, bp, false).log_value -
                         log_knowledge_gradient(a, bm, false).log_value) /
                        (2 * h);
      EXPECT_NEAR(r.dlog_db[j], fd, 1e-5 * std::max(1.0, std::abs(fd))) << rep << " " << j;
    }
  }
}

TEST(AcqKnowledgeGradient, TinyAndZeroValues) {
  // One line dominating everywhere: KG = 0 exactly.
  Eigen::VectorXd a(2), b(2);
  a << 1.0, 0.0;
  b << 0.3, 0.3;
  EXPECT_EQ(log_knowledge_gradient(a, b, true).log_value, -std::numeric_limits<double>::infinity());
  // A far-away crossing: KG ~ 1e-700, far below the smallest double, still a finite log.
  a << 0.0, -40.0;
  b << 0.0, 1.0;
  const LogKg r = log_knowledge_gradient(a, b, true);
  EXPECT_TRUE(std::isfinite(r.log_value));
  EXPECT_NEAR(r.log_value, log_h(-40.0), 1e-12 * 800);
  EXPECT_TRUE(r.dlog_db.allFinite());
}

namespace {

struct Fixture {
  std::shared_ptr<const GaussianProcess> gp;
  AcqSpec spec;
};

// run_sd > 0: the GP reads its rows as runs of three rows each with that seed shift (on a raw
// output, so that a new run's shift varies with its level and enters the gradient).
Fixture make_fixture(AcqKind kind, std::uint64_t seed, double run_sd = 0) {
  KernelContext ctx;
  ctx.k = test::kK;
  ctx.target_log_params = std::log(1e9);
  GpModel model = GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)", ctx);
  Rng rng = make_rng(seed, 0);
  BoundedSimplex s({"a", "b", "c"}, Eigen::Vector3d(0.05, 0.05, 0.05),
                   Eigen::Vector3d(0.8, 0.8, 0.8));
  const int n = 30;
  Eigen::MatrixXd X(n, test::kK + 2);
  X.leftCols(test::kK) = sample_dirichlet(s, 1.0, n, rng);
  std::uniform_real_distribution<double> lp(std::log(2e7), std::log(1e9));
  std::uniform_int_distribution<int> st(1, 20);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    X(i, test::kK) = lp(rng);
    X(i, test::kK + 1) = std::log(1000.0 * st(rng));
    y[i] = 3.0 + std::pow(X(i, 0) - 0.4, 2) + 0.5 * X(i, 1) - 0.05 * (X(i, test::kK) - 17) +
           0.5 * std::exp(-(X(i, test::kK + 1) - 6.9));
  }
  Eigen::VectorXd theta = model.initial();
  theta[model.noise_index()] = std::log(1e-3);
  std::vector<int> runs;
  for (int i = 0; i < n; ++i) runs.push_back(i / 3);
  auto gp = std::make_shared<const GaussianProcess>(
      model, X, y, theta, std::nullopt,
      run_sd > 0 ? RunEffect(runs, y, run_sd, false) : RunEffect{});
  Fixture f{gp, {}};
  f.spec.kind = kind;
  f.spec.alpha = 0.7;
  for (auto [params, steps] :
       {std::pair{2e7, 2000.0}, std::pair{3e8, 8000.0}, std::pair{1e9, 19500.0}}) {
    AcqPair p;
    p.log_params = std::log(params);
    p.log_steps = std::log(steps);
    p.log_cost = std::log(params / 1e9 * steps / 19500);
    f.spec.pairs.push_back(p);
  }
  const Eigen::MatrixXd W = sample_sobol(s, 12, 5);
  f.spec.targets.resize(W.rows(), test::kK + 2);
  f.spec.targets.leftCols(test::kK) = W;
  f.spec.targets.col(test::kK).setConstant(std::log(1e9));
  f.spec.targets.col(test::kK + 1).setConstant(std::log(19500.0));
  set_pair_incumbents(*gp, X.leftCols(test::kK), f.spec);
  f.spec.target_log_params = std::log(1e9);
  f.spec.target_log_steps = std::log(19500.0);
  f.spec.min_samples = sample_minimum_values(*gp, f.spec.targets, 16, seed);
  return f;
}

// The GP's posterior at mixture w and the fixture's pair `pair`.
Posterior posterior_at(const Fixture& f, int pair, const Eigen::VectorXd& w) {
  const AcqPair& p = f.spec.pairs[static_cast<size_t>(pair)];
  Eigen::VectorXd x(test::kK + 2);
  x << w, p.log_params, p.log_steps;
  return f.gp->predict(x.transpose());
}

}  // namespace

// With a run effect too: a new run's noise then depends on its predicted level.
TEST(AcqFunctions, GradientsMatchCentralDifferencesForEveryAcquisition) {
  for (const double run_sd : {0.0, 0.05})
    for (AcqKind kind :
         {AcqKind::kLogEi, AcqKind::kUcb, AcqKind::kEiPerCost, AcqKind::kTargetEiPerCost,
          AcqKind::kMesPerCost, AcqKind::kPosteriorMean}) {
      const Fixture f = make_fixture(kind, 11, run_sd);
      const Acquisition acq(f.gp, f.spec);
      Rng rng = make_rng(99, static_cast<std::uint64_t>(kind));
      const Eigen::MatrixXd W = sample_dirichlet(BoundedSimplex({"a", "b", "c"}), 1.0, 6, rng);
      for (int pair = 0; pair < 3; ++pair) {
        for (Eigen::Index r = 0; r < W.rows(); ++r) {
          const Eigen::VectorXd w = W.row(r).transpose();
          Eigen::VectorXd g;
          const double v = acq.value(pair, w, &g);
          ASSERT_TRUE(std::isfinite(v)) << acquisition_name(kind);
          EXPECT_NEAR(v, acq.value(pair, w), 1e-10 * std::max(1.0, std::abs(v)));
          for (int d = 0; d < test::kK; ++d) {
            const double h = 1e-6;
            Eigen::VectorXd wp = w, wm = w;
            wp[d] += h;
            wm[d] -= h;
            const double fd = (acq.value(pair, wp) - acq.value(pair, wm)) / (2 * h);
            const double scale = std::max(g.cwiseAbs().maxCoeff(), 1e-3);
            EXPECT_LT(std::abs(g[d] - fd) / scale, 1e-5)
                << acquisition_name(kind) << " run sd " << run_sd << " pair " << pair << " row "
                << r << " d " << d << ": analytic " << g[d] << " vs fd " << fd;
          }
        }
      }
    }
}

TEST(AcqFunctions, BatchValuesEqualPointValues) {
  for (const double run_sd : {0.0, 0.05})
    for (AcqKind kind : {AcqKind::kLogEi, AcqKind::kUcb, AcqKind::kEiPerCost,
                         AcqKind::kTargetEiPerCost, AcqKind::kMesPerCost}) {
      const Fixture f = make_fixture(kind, 4, run_sd);
      const Acquisition acq(f.gp, f.spec);
      const Eigen::MatrixXd W = sample_sobol(BoundedSimplex({"a", "b", "c"}), 40, 1);
      for (int pair = 0; pair < 3; ++pair) {
        const Eigen::VectorXd v = acq.values(pair, W);
        for (Eigen::Index r = 0; r < W.rows(); ++r)
          EXPECT_NEAR(v[r], acq.value(pair, W.row(r).transpose()),
                      1e-9 * std::max(1.0, std::abs(v[r])));
      }
    }
}

TEST(AcqFunctions, LogEiIsLogOfClosedFormEi) {
  const Fixture f = make_fixture(AcqKind::kLogEi, 8);
  const Acquisition acq(f.gp, f.spec);
  const Eigen::MatrixXd W = sample_sobol(BoundedSimplex({"a", "b", "c"}), 30, 2);
  for (Eigen::Index r = 0; r < W.rows(); ++r) {
    const Posterior post = posterior_at(f, 2, W.row(r).transpose());
    const double sd = std::sqrt(post.variance[0]);
    const double d = f.spec.pairs[2].incumbent - post.mean[0];
    const double ei = d * normal_cdf(d / sd) + sd * normal_pdf(d / sd);
    if (ei > 1e-200) {
      EXPECT_NEAR(acq.value(2, W.row(r).transpose()), std::log(ei), 1e-9);
    }
  }
}

TEST(AcqFunctions, TargetKgMatchesMonteCarloLookahead) {
  // KG by brute force: sample y at x, fantasise it into the GP, take the new minimum target mean.
  const Fixture f = make_fixture(AcqKind::kTargetEiPerCost, 21);
  const Acquisition acq(f.gp, f.spec);
  // At the target, between the two best target points: a run there moves both.
  const Eigen::VectorXd mu_t = f.gp->predict(f.spec.targets).mean;
  std::vector<Eigen::Index> ord(static_cast<size_t>(mu_t.size()));
  for (Eigen::Index i = 0; i < mu_t.size(); ++i) ord[static_cast<size_t>(i)] = i;
  std::sort(ord.begin(), ord.end(), [&](auto a, auto b) { return mu_t[a] < mu_t[b]; });
  const Eigen::VectorXd w = (0.6 * f.spec.targets.row(ord[0]).head(test::kK) +
                             0.4 * f.spec.targets.row(ord[1]).head(test::kK))
                                .transpose();
  const int pair = 2;
  Eigen::VectorXd x(test::kK + 2);
  x << w, f.spec.pairs[pair].log_params, f.spec.pairs[pair].log_steps;
  const Posterior post = f.gp->predict(x.transpose());
  const double sd_y = std::sqrt(post.variance[0] + f.gp->noise_variance());
  const double now = f.gp->predict(f.spec.targets).mean.minCoeff();
  // Gauss-Hermite-free: a fine deterministic quadrature over y's normal quantiles.
  const int N = 2000;
  double acc = 0;
  for (int i = 0; i < N; ++i) {
    const double u = (i + 0.5) / N;
    // inverse normal CDF by bisection (test-only)
    double lo = -10, hi = 10;
    for (int it = 0; it < 80; ++it) {
      const double mid = 0.5 * (lo + hi);
      (normal_cdf(mid) < u ? lo : hi) = mid;
    }
    const double y = post.mean[0] + sd_y * 0.5 * (lo + hi);
    const GaussianProcess g2 = f.gp->fantasize(x.transpose(), Eigen::VectorXd::Constant(1, y));
    acc += now - g2.predict(f.spec.targets).mean.minCoeff();
  }
  const double kg = acc / N;
  ASSERT_GT(kg, 1e-6);
  const double v = acq.value(pair, w) + f.spec.pairs[pair].log_cost;
  EXPECT_NEAR(std::exp(v) / kg, 1.0, 2e-2);
}

TEST(AcqMaxValueEntropy, TruncationDeltaIsOneMinusTheTruncatedVariance) {
  // 1 - delta(g) = Var(v | v >= -g), v standard normal, by quadrature of the truncated density.
  for (double g : {-6.0, -2.5, -1.0, 0.0, 0.8, 2.0, 5.0}) {
    long double m0 = 0, m1 = 0, m2 = 0;
    const long double a = -g, h = 1e-4L;
    for (long double v = a; v < a + 40; v += h) {
      const long double p = std::exp(-0.5L * v * v) * h * ((v == a) ? 0.5L : 1.0L);
      m0 += p;
      m1 += p * v;
      m2 += p * v * v;
    }
    const double var = static_cast<double>(m2 / m0 - (m1 / m0) * (m1 / m0));
    EXPECT_NEAR(1 - truncation_delta(g), var, 1e-6 * std::max(1.0, 1 / var)) << "g = " << g;
  }
  // Far in the tail: no truncation (delta -> 0) and nearly all of it (delta -> 1), finite.
  EXPECT_LT(truncation_delta(30.0), 1e-100);
  EXPECT_GT(truncation_delta(30.0), 0.0);
  EXPECT_GT(truncation_delta(-1e4), 0.999);
  EXPECT_LE(truncation_delta(-1e8), 1.0);
  for (double g : {-40.0, -5.0, -0.5, 0.0, 1.5, 7.0}) {
    const double h = 1e-6 * std::max(1.0, std::abs(g));
    const double fd = (truncation_delta(g + h) - truncation_delta(g - h)) / (2 * h);
    // Below g = -30 the cancellation in g + lambda (header) costs a few digits.
    const double tol = g < -30 ? 1e-4 : 1e-6;
    EXPECT_NEAR(truncation_delta_derivative(g), fd, tol * std::max(std::abs(fd), 1e-6))
        << "g = " << g;
  }
}

TEST(AcqMaxValueEntropy, InformationClosedFormsAndPartials) {
  const Eigen::VectorXd fstar = (Eigen::VectorXd(3) << 2.9, 3.0, 3.2).finished();
  const auto info = [&](double mu, double vt, double vr, double c) {
    return std::exp(max_value_information(mu, vt, vr, c, fstar, false).log_value);
  };
  // Uncorrelated with the target: a run tells nothing about f*.
  EXPECT_EQ(info(3.1, 0.04, 0.05, 0.0), 0.0);
  // A noiseless run at the target itself (rho = 1): -1/2 log of the truncated variance.
  const double mu = 3.1, var = 0.04;
  double ref = 0;
  for (Eigen::Index s = 0; s < fstar.size(); ++s)
    ref += -0.5 * std::log(1 - truncation_delta((mu - fstar[s]) / std::sqrt(var)));
  EXPECT_NEAR(info(mu, var, var, var * (1 - 1e-9)), ref / 3, 1e-6);
  // Weak correlation: I ~ rho^2 mean_s delta_s / 2.
  double weak = 0;
  for (Eigen::Index s = 0; s < fstar.size(); ++s)
    weak += 0.5 * 1e-6 * truncation_delta((mu - fstar[s]) / std::sqrt(var)) / 3;
  EXPECT_NEAR(info(mu, var, var, std::sqrt(1e-6) * var) / weak, 1.0, 1e-5);
  // More correlation, more information.
  EXPECT_LT(info(mu, var, 0.05, 0.02), info(mu, var, 0.05, 0.04));
  // Far above every sample (gamma ~ 60): I underflows, its logarithm stays finite and ranks.
  const double far1 = max_value_information(5.0, 1e-3, 2e-3, 1e-3, fstar, false).log_value;
  const double far2 = max_value_information(5.1, 1e-3, 2e-3, 1e-3, fstar, false).log_value;
  EXPECT_TRUE(std::isfinite(far1));
  EXPECT_LT(far1, -1000.0);
  EXPECT_LT(far2, far1);
  // Partials of log I against central differences, near the samples and far above them.
  for (const auto& x0 : {std::array<double, 4>{3.05, 0.04, 0.06, 0.03},
                         std::array<double, 4>{4.2, 0.01, 0.05, -0.02}}) {
    const MaxValueInformation a = max_value_information(x0[0], x0[1], x0[2], x0[3], fstar, true);
    const double an[4] = {a.dmu, a.dvar_target, a.dvar_run, a.dcov};
    for (int d = 0; d < 4; ++d) {
      std::array<double, 4> xp = x0, xm = x0;
      const double h = 1e-7;
      xp[d] += h;
      xm[d] -= h;
      const double fd =
          (max_value_information(xp[0], xp[1], xp[2], xp[3], fstar, false).log_value -
           max_value_information(xm[0], xm[1], xm[2], xm[3], fstar, false).log_value) /
          (2 * h);
      EXPECT_NEAR(an[d], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "partial " << d;
    }
  }
}

TEST(AcqMaxValueEntropy, MinimumSamplesFollowThePosterior) {
  const Fixture f = make_fixture(AcqKind::kMesPerCost, 3);
  const Eigen::VectorXd s1 = sample_minimum_values(*f.gp, f.spec.targets, 4000, 7);
  EXPECT_EQ(s1, sample_minimum_values(*f.gp, f.spec.targets, 4000, 7));  // seeded
  const Posterior post = f.gp->predict(f.spec.targets);
  // Each draw is a minimum over the points: below the lowest mean on average, and no draw's
  // distribution can sit above every point's (P(min > lowest mean) <= 1/2).
  const double lowest = post.mean.minCoeff();
  EXPECT_LT(s1.mean(), lowest);
  EXPECT_LT((s1.array() > lowest).cast<double>().mean(), 0.5 + 0.03);
  // One candidate: the draws are its posterior marginal.
  const Eigen::MatrixXd one = f.spec.targets.topRows(1);
  const Eigen::VectorXd s2 = sample_minimum_values(*f.gp, one, 20000, 9);
  const Posterior p1 = f.gp->predict(one);
  const double sd = std::sqrt(p1.variance[0]);
  EXPECT_NEAR(s2.mean(), p1.mean[0], 4 * sd / std::sqrt(20000.0));
  EXPECT_NEAR(std::sqrt((s2.array() - s2.mean()).square().mean()), sd, 0.03 * sd);
}

TEST(AcqFunctions, MesAtTheTargetIsThePlainMaxValueEntropy) {
  // At the target pair x_T = x: rho^2 = var / (var + noise); the value is the closed form on the
  // GP's own moments there, minus the cost term.
  const Fixture f = make_fixture(AcqKind::kMesPerCost, 5);
  const Acquisition acq(f.gp, f.spec);
  const Eigen::MatrixXd W = sample_sobol(BoundedSimplex({"a", "b", "c"}), 10, 3);
  for (Eigen::Index r = 0; r < W.rows(); ++r) {
    const Posterior post = posterior_at(f, 2, W.row(r).transpose());
    const double v = post.variance[0], noise = f.gp->noise_variance();
    const double log_i =
        max_value_information(post.mean[0], v, v + noise, v, f.spec.min_samples, false).log_value;
    ASSERT_TRUE(std::isfinite(log_i));
    EXPECT_NEAR(acq.value(2, W.row(r).transpose()), log_i - 0.7 * f.spec.pairs[2].log_cost,
                1e-9 * std::max(1.0, std::abs(log_i)));
  }
}

TEST(AcqFunctions, MesSpecSurvivesSerialisation) {
  // Worker ranks rebuild the acquisition from the serialised spec (acq-refine problems).
  const Fixture f = make_fixture(AcqKind::kMesPerCost, 6);
  ByteWriter out;
  f.spec.serialize(out);
  ByteReader in(out.bytes());
  const AcqSpec copy = AcqSpec::deserialize(in);
  EXPECT_TRUE(copy.min_samples == f.spec.min_samples);
  EXPECT_EQ(copy.target_log_params, f.spec.target_log_params);
  EXPECT_EQ(copy.target_log_steps, f.spec.target_log_steps);
  const Acquisition a(f.gp, f.spec), b(f.gp, copy);
  const Eigen::MatrixXd W = sample_sobol(BoundedSimplex({"a", "b", "c"}), 8, 4);
  for (int pair = 0; pair < 3; ++pair) EXPECT_TRUE(a.values(pair, W) == b.values(pair, W));
}

TEST(AcqFunctions, NamesParseAndUnknownNameListsThem) {
  for (const auto& n : acquisition_registry().names())
    EXPECT_EQ(acquisition_name(parse_acquisition(n)), n);
  try {
    parse_acquisition("pi");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'pi'"), std::string::npos) << m;
    for (const auto& n : acquisition_registry().names())
      EXPECT_NE(m.find(n), std::string::npos) << m;
  }
}
