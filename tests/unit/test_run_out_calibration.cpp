// run_out_calibration: the factor a GP's predictive sd is off by, from runs held out together
// with every run at their scale or above.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gp_fixture.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/strategy/run_out_calibration.hpp"

using namespace mixbo;

namespace {

constexpr int kK = 3;
const double kScales[] = {2e7, 6e7, 1.5e8, 4e8};

// `runs` runs of 3 checkpoints (2000, 4000, 8000 steps) at scales cycling over kScales, y a
// smooth function of the features plus Gaussian noise of sd `noise`.
struct Data {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  std::vector<int> run;
};
Data make_data(int runs, double noise, std::uint64_t seed) {
  Rng rng = make_rng(seed, 0);
  const Eigen::MatrixXd W = sample_dirichlet(test::letter_simplex(kK), 1.0, runs, rng);
  std::normal_distribution<double> eps(0.0, noise);
  Data d;
  d.X.resize(3 * runs, kK + 2);
  d.y.resize(3 * runs);
  for (int r = 0; r < runs; ++r)
    for (int j = 0; j < 3; ++j) {
      const Eigen::Index i = 3 * r + j;
      d.X.row(i).head(kK) = W.row(r);
      d.X(i, kK) = std::log(kScales[r % 4]);
      d.X(i, kK + 1) = std::log(2000.0 * (1 << j));
      d.y[i] = 3.0 - 0.1 * d.X(i, kK) - 0.05 * d.X(i, kK + 1) + 0.3 * W(r, 0) * W(r, 0) + eps(rng);
      d.run.push_back(r);
    }
  return d;
}

GaussianProcess gp_on(const Data& d, double log_noise) {
  const GpModel model = GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)",
                                                 test::gp_context(kK));
  Eigen::VectorXd theta = model.initial();
  theta[model.noise_index()] = log_noise;
  return GaussianProcess(model, d.X, d.y, theta);
}

}  // namespace

// A model that believes its data noise-free misses held-out runs (noise sd 0.05) by many
// posterior sds: the factor is large. With the true noise variance it is far smaller.
TEST(RunOutCalibration, MeasuresHowFarTheSpreadIsOff) {
  const Data d = make_data(40, 0.05, 7);
  const auto overconfident = run_out_calibration(gp_on(d, std::log(1e-8)), d.run, kK);
  EXPECT_EQ(overconfident.runs, 30);  // every run above the smallest scale (10 are at it)
  EXPECT_GT(overconfident.sd_scale, 2.0);
  const double noise_std = 0.05 / Standardizer::fit(d.y).scale;  // in standardised units
  const auto honest = run_out_calibration(gp_on(d, std::log(noise_std * noise_std)), d.run, kK);
  EXPECT_EQ(honest.runs, 30);
  EXPECT_LT(honest.sd_scale, overconfident.sd_scale / 2);
}

// Runs at the smallest scale have nothing below them and are never held out; with too few held
// out the factor stays 1 and says so.
TEST(RunOutCalibration, NeedsRunsAboveTheSmallestScale) {
  Data d = make_data(12, 0.05, 3);
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) d.X(i, kK) = std::log(kScales[0]);
  const auto none = run_out_calibration(gp_on(d, std::log(1e-4)), d.run, kK);
  EXPECT_EQ(none.runs, 0);
  EXPECT_EQ(none.sd_scale, 1.0);
  const Data few = make_data(8, 0.05, 3);  // 6 runs above the smallest scale
  const auto some = run_out_calibration(gp_on(few, std::log(1e-4)), few.run, kK, 32, 7);
  EXPECT_EQ(some.runs, 6);
  EXPECT_EQ(some.sd_scale, 1.0) << "fewer than min_runs held out";
  EXPECT_THROW(run_out_calibration(gp_on(few, std::log(1e-4)), {0, 1}, kK), Error);
}
