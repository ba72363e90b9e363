// ModeMixture: posterior weights against the closed form exp(log posterior) normalised, the
// mean against the weighted means, its input gradient against finite differences; and the
// Gaussian mixture's quantile against the normal's closed form and its distribution function.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/mode_mixture.hpp"
#include "mixbo/space/sampling.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace {

constexpr const char* kKernel = "matern52(mixture) * rbf(scale) * expdecay(steps)";

struct Data {
  GpModel model = GpModel::from_expression(kKernel, gp_context(kK));
  Eigen::MatrixXd X = ladder_features(24, kK, 11);
  Eigen::VectorXd y;
  Data() {
    Rng rng = make_rng(3, 1);
    std::normal_distribution<double> nd(0, 0.02);
    y.resize(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      y[i] = 3 + std::sin(3 * X(i, 0)) - 0.2 * (X(i, kK) - 18) + nd(rng);
  }
  // The model's defaults with every kernel lengthscale shifted by `shift` (log units).
  std::shared_ptr<const GaussianProcess> gp(double shift) const {
    Eigen::VectorXd theta = model.initial();
    for (int i = 0; i < model.num_kernel_params(); ++i) theta[i] += shift;
    return std::make_shared<const GaussianProcess>(model, X, y, theta);
  }
};

double log_posterior(const GaussianProcess& g) {
  return g.log_marginal_likelihood() + g.model().log_prior(g.theta());
}

}  // namespace

TEST(ModeMixture, OneModeIsTheGp) {
  const Data d;
  const auto g = d.gp(0);
  const ModeMixture m({g});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m.weight(0), 1.0);
  const Eigen::MatrixXd Xs = ladder_features(5, kK, 12);
  EXPECT_TRUE(m.mean(Xs).isApprox(g->mean(Xs), 1e-14));
}

TEST(ModeMixture, WeightsAreThePosteriorAndTheMeanIsTheirAverage) {
  const Data d;
  const auto a = d.gp(0), b = d.gp(-0.7);
  const ModeMixture m({a, b});
  ASSERT_EQ(m.size(), 2u);
  const double la = log_posterior(*a), lb = log_posterior(*b);
  EXPECT_NEAR(m.weight(0), 1 / (1 + std::exp(lb - la)), 1e-12);
  EXPECT_NEAR(m.weight(0) + m.weight(1), 1, 1e-15);
  EXPECT_GT(m.weight(1), ModeMixture::kMinWeight) << "both modes take part in this test";
  const Eigen::MatrixXd Xs = ladder_features(6, kK, 13);
  const Eigen::VectorXd expected = m.weight(0) * a->mean(Xs) + m.weight(1) * b->mean(Xs);
  EXPECT_TRUE(m.mean(Xs).isApprox(expected, 1e-12));
}

TEST(ModeMixture, MeanGradientMatchesFiniteDifferences) {
  const Data d;
  const ModeMixture m({d.gp(0), d.gp(-0.7), d.gp(0.4)});
  ASSERT_GE(m.size(), 2u);
  const Eigen::MatrixXd Xs = ladder_features(4, kK, 14);
  for (Eigen::Index r = 0; r < Xs.rows(); ++r) {
    const Eigen::VectorXd x = Xs.row(r).transpose();
    const Eigen::VectorXd g = m.mean_gradient(x);
    for (Eigen::Index j = 0; j < x.size(); ++j) {
      const double h = 1e-5;
      Eigen::VectorXd hi = x, lo = x;
      hi[j] += h;
      lo[j] -= h;
      const double fd = (m.mean(hi.transpose())[0] - m.mean(lo.transpose())[0]) / (2 * h);
      EXPECT_NEAR(g[j], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "row " << r << " column " << j;
    }
  }
}

TEST(ModeMixture, AModeOfNegligiblePosteriorIsDropped) {
  const Data d;
  // Lengthscales e^-6 times the defaults: the rows are noise to that GP, and its posterior
  // is far below the defaults'.
  const auto good = d.gp(0), bad = d.gp(-6);
  ASSERT_LT(log_posterior(*bad), log_posterior(*good) + std::log(ModeMixture::kMinWeight));
  const ModeMixture m({bad, good});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(&m.gp(0), good.get());
  EXPECT_DOUBLE_EQ(m.weight(0), 1.0);
}

TEST(ModeMixture, GpsOnOtherRowsAreRefused) {
  const Data d;
  const auto other = std::make_shared<const GaussianProcess>(d.model, d.X.topRows(20), d.y.head(20),
                                                             d.model.initial());
  EXPECT_THROW(ModeMixture({d.gp(0), other}), Error);
  EXPECT_THROW(ModeMixture({}), Error);
}

TEST(GaussianMixtureQuantile, OneComponentIsTheNormalQuantile) {
  // z_0.975 = 1.959963984540054.
  EXPECT_NEAR(gaussian_mixture_quantile({1}, {2}, {0.5}, 0.975), 2 + 0.5 * 1.959963984540054, 1e-9);
  EXPECT_NEAR(gaussian_mixture_quantile({1}, {2}, {0.5}, 0.025), 2 - 0.5 * 1.959963984540054, 1e-9);
  EXPECT_NEAR(gaussian_mixture_quantile({1}, {-1}, {3}, 0.5), -1, 1e-9);
  // Two equal components are one.
  EXPECT_NEAR(gaussian_mixture_quantile({0.3, 0.7}, {2, 2}, {0.5, 0.5}, 0.975),
              2 + 0.5 * 1.959963984540054, 1e-9);
}

TEST(GaussianMixtureQuantile, TheDistributionFunctionAtTheQuantileIsP) {
  const std::vector<double> w{0.2, 0.5, 0.3}, mu{-1, 0.5, 4}, sd{0.3, 1.0, 0.1};
  for (const double p : {0.025, 0.2, 0.5, 0.9, 0.975}) {
    const double q = gaussian_mixture_quantile(w, mu, sd, p);
    double cdf = 0;
    for (size_t i = 0; i < w.size(); ++i)
      cdf += w[i] * 0.5 * std::erfc((mu[i] - q) / (sd[i] * std::sqrt(2.0)));
    EXPECT_NEAR(cdf, p, 1e-9) << "p " << p;
  }
  // Symmetric: the median of two mirrored components is their midpoint.
  EXPECT_NEAR(gaussian_mixture_quantile({0.5, 0.5}, {-3, 5}, {1, 1}, 0.5), 1, 1e-6);
}

TEST(GaussianMixtureQuantile, PointMassesAndBadArguments) {
  EXPECT_NEAR(gaussian_mixture_quantile({1}, {1.5}, {0}, 0.975), 1.5, 1e-9);
  // Half the mass at 0, half at 10: every p below one half is at 0, above it at 10.
  EXPECT_NEAR(gaussian_mixture_quantile({0.5, 0.5}, {0, 10}, {0, 0}, 0.25), 0, 1e-9);
  EXPECT_NEAR(gaussian_mixture_quantile({0.5, 0.5}, {0, 10}, {0, 0}, 0.75), 10, 1e-9);
  EXPECT_THROW(gaussian_mixture_quantile({1}, {0}, {1}, 1.0), Error);
  EXPECT_THROW(gaussian_mixture_quantile({1, 0}, {0}, {1}, 0.5), Error);
  EXPECT_THROW(gaussian_mixture_quantile({}, {}, {}, 0.5), Error);
}
