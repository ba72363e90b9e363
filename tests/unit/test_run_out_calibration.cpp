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
  const Eigen::MatrixXd W = sample_dirichlet(test::letter_simplex(test::kK), 1.0, runs, rng);
  std::normal_distribution<double> eps(0.0, noise);
  Data d;
  d.X.resize(3 * runs, test::kK + 2);
  d.y.resize(3 * runs);
  for (int r = 0; r < runs; ++r)
    for (int j = 0; j < 3; ++j) {
      const Eigen::Index i = 3 * r + j;
      d.X.row(i).head(test::kK) = W.row(r);
      d.X(i, test::kK) = std::log(kScales[r % 4]);
      d.X(i, test::kK + 1) = std::log(2000.0 * (1 << j));
      d.y[i] = 3.0 - 0.1 * d.X(i, test::kK) - 0.05 * d.X(i, test::kK + 1) +
               0.3 * W(r, 0) * W(r, 0) + eps(rng);
      d.run.push_back(r);
    }
  return d;
}

GaussianProcess gp_on(const Data& d, double log_noise) {
  const GpModel model = GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)",
                                                 test::gp_context(test::kK));
  Eigen::VectorXd theta = model.initial();
  theta[model.noise_index()] = log_noise;
  return GaussianProcess(model, d.X, d.y, theta);
}

}  // namespace

// A model that believes its data noise-free misses held-out runs (noise sd 0.05) by many
// posterior sds: the factor is large. With the true noise variance it is far smaller.
TEST(RunOutCalibration, MeasuresHowFarTheSpreadIsOff) {
  const Data d = make_data(40, 0.05, 7);
  const auto overconfident = run_out_calibration(gp_on(d, std::log(1e-8)), d.run, test::kK);
  EXPECT_EQ(overconfident.runs, 30);  // every run above the smallest scale (10 are at it)
  EXPECT_GT(overconfident.sd_scale, 2.0);
  const double noise_std = 0.05 / Standardizer::fit(d.y).scale;  // in standardised units
  const auto honest =
      run_out_calibration(gp_on(d, std::log(noise_std * noise_std)), d.run, test::kK);
  EXPECT_EQ(honest.runs, 30);
  EXPECT_LT(honest.sd_scale, overconfident.sd_scale / 2);
}

// Runs at the smallest scale have nothing below them and are never held out; with too few held
// out the factor stays 1 and says so.
TEST(RunOutCalibration, NeedsRunsAboveTheSmallestScale) {
  Data d = make_data(12, 0.05, 3);
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) d.X(i, test::kK) = std::log(kScales[0]);
  const auto none = run_out_calibration(gp_on(d, std::log(1e-4)), d.run, test::kK);
  EXPECT_EQ(none.runs, 0);
  EXPECT_EQ(none.sd_scale, 1.0);
  const Data few = make_data(8, 0.05, 3);  // 6 runs above the smallest scale
  const auto some = run_out_calibration(gp_on(few, std::log(1e-4)), few.run, test::kK, 32, 7);
  EXPECT_EQ(some.runs, 6);
  EXPECT_EQ(some.sd_scale, 1.0) << "fewer than min_runs held out";
  EXPECT_THROW(run_out_calibration(gp_on(few, std::log(1e-4)), {0, 1}, test::kK), Error);
}

// The check reports the longest extrapolation it made (a held-out run's scale down to the
// largest scale below it) and the miss that the runs at the largest held-out scale share: an
// offset every run at 400M has, which nothing below 400M can predict, comes back as that miss.
TEST(RunOutCalibration, ReportsTheLongestExtrapolationAndTheMissItsRunsShare) {
  const Data d = make_data(40, 0.01, 5);
  const double noise_std = 0.01 / Standardizer::fit(d.y).scale;
  const auto plain =
      run_out_calibration(gp_on(d, std::log(noise_std * noise_std)), d.run, test::kK);
  // Held out: runs at 60M (from 20M, ln 3), 150M (from 60M, ln 2.5), 400M (from 150M, ln 2.67).
  EXPECT_NEAR(plain.max_gap, std::log(3.0), 1e-9);
  Data shifted = d;
  for (Eigen::Index i = 0; i < d.X.rows(); ++i)
    if (d.X(i, test::kK) > std::log(3e8)) shifted.y[i] += 0.2;
  const auto shared =
      run_out_calibration(gp_on(shifted, std::log(noise_std * noise_std)), shifted.run, test::kK);
  EXPECT_NEAR(shared.shared_error, plain.shared_error + 0.2, 0.02) << plain.shared_error;
}

// A rung whose runs are all older than the last max_runs is still checked, through its latest
// run: the longest extrapolation does not depend on which scales the campaign ran lately.
TEST(RunOutCalibration, ChecksEveryRungWithRuns) {
  Data d = make_data(40, 0.01, 5);  // scales cycle 20M, 60M, 150M, 400M
  // The last 30 runs move to 20M and 400M only: 60M and 150M runs are all among the first 10.
  for (int r = 10; r < 40; ++r)
    for (int j = 0; j < 3; ++j) d.X(3 * r + j, test::kK) = std::log(r % 2 ? 4e8 : 2e7);
  const double noise_std = 0.01 / Standardizer::fit(d.y).scale;
  const GaussianProcess gp = gp_on(d, std::log(noise_std * noise_std));
  const auto recent = run_out_calibration(gp, d.run, test::kK, 4);
  EXPECT_EQ(recent.runs, 4 + 2) << "the last 4 (all at 400M), then the latest at 150M and 60M";
  EXPECT_NEAR(recent.max_gap, std::log(3.0), 1e-9) << "60M from 20M";
}

// Held out alone, a run at a scale with other runs is interpolated: with smooth data the misses
// are small; when each run at that scale is off by its own draw of sd 0.05 they are at least
// that draw's size (the held-out run's own and its neighbours'); with fewer than min_runs runs
// there, nothing is measured.
TEST(RunOutCalibration, LeaveRunOutMissAtOneScale) {
  const Data d = make_data(40, 0.001, 5);
  const double top = std::log(kScales[3]);
  const double noise_std = 0.001 / Standardizer::fit(d.y).scale;
  const auto smooth =
      leave_run_out_miss(gp_on(d, std::log(noise_std * noise_std)), d.run, test::kK, top);
  EXPECT_EQ(smooth.runs, 10);
  Data noisy = d;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> eps(0.0, 0.05);
  for (int r = 3; r < 40; r += 4) {
    const double e = eps(rng);  // one draw per run: its final value is off, not one checkpoint
    for (int j = 0; j < 3; ++j) noisy.y[3 * r + j] += e;
  }
  const auto off =
      leave_run_out_miss(gp_on(noisy, std::log(noise_std * noise_std)), noisy.run, test::kK, top);
  EXPECT_LT(smooth.rms, 0.02);
  EXPECT_GT(off.rms, 0.03);
  EXPECT_GT(off.rms, 5 * smooth.rms) << smooth.rms;
  const auto none =
      leave_run_out_miss(gp_on(d, std::log(noise_std * noise_std)), d.run, test::kK, top, 11);
  EXPECT_EQ(none.rms, 0.0);
  EXPECT_FALSE(none.measured);
  EXPECT_TRUE(smooth.measured);
}
