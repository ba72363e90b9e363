// The run effect (gp/run_effect.hpp): seed noise shared by the rows of one run, declared and
// part of the noise. Checked against a dense computation with the block covariance written out,
// by central differences of the likelihood, against a refit for fantasies, through the fit's and
// the GP's serialisation, and for what it is for: a run's common shift is read as the run's.
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "gp_fixture.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/gp/run_effect.hpp"
#include "mixbo/par/team.hpp"

using namespace mixbo;
using namespace mixbo::test;

namespace run_effect_test {

const char* kKernel = "matern52(mixture) * rbf(scale) * expdecay(steps)";

GpModel model() { return GpModel::from_expression(kKernel, gp_context(kK)); }

// Runs of four rows each: one mixture and scale, four step counts, as a run's training rows.
struct Runs {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;  // log(loss)
  std::vector<int> run;
};
Runs runs(int count, std::uint64_t seed) {
  const Eigen::MatrixXd base = continuous_features(count, kK, seed);
  Rng rng = make_rng(seed, 7);
  std::normal_distribution<double> shift(0, 0.01);
  Runs r;
  r.X.resize(4 * count, kK + 2);
  r.y.resize(4 * count);
  for (int i = 0; i < count; ++i) {
    const double s = shift(rng);
    for (int j = 0; j < 4; ++j) {
      const Eigen::Index row = 4 * i + j;
      r.X.row(row) = base.row(i);
      r.X(row, kK + 1) = std::log(1200.0 * (1 << j));
      r.y[row] =
          std::log(2.0 + std::sin(3 * base(i, 0)) * 0.1 + 1.5 * std::exp(-(r.X(row, kK + 1) - 7))) +
          s;
      r.run.push_back(i);
    }
  }
  return r;
}

// R written out: a_i a_j between rows of one run.
Eigen::MatrixXd dense_run_matrix(const RunEffect& e) {
  const Eigen::Index n = e.loading().size();
  Eigen::MatrixXd R = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (e.run()[static_cast<size_t>(i)] == e.run()[static_cast<size_t>(j)])
        R(i, j) = e.loading()[i] * e.loading()[j];
  return R;
}

}  // namespace run_effect_test

using namespace run_effect_test;

// One loading per run, the same at each of its rows: sd on a log output, sd |y| of the run's last
// row on a raw one.
TEST(RunEffect, LoadingsAreOnePerRun) {
  const Eigen::Vector4d y(std::log(4.0), std::log(2.0), std::log(3.0), -1.5);
  const RunEffect log_effect({0, 0, 1, 1}, y, 0.01, true);
  EXPECT_EQ(log_effect.loading(), Eigen::Vector4d::Constant(0.01));
  EXPECT_EQ(log_effect.variance_at(5.0), 0.01 * 0.01);
  EXPECT_EQ(log_effect.dloading_at(5.0), 0.0);
  const RunEffect raw_effect({0, 0, 1, 1}, y, 0.01, false);
  EXPECT_NEAR(raw_effect.loading()[0], 0.01 * std::log(2.0), 1e-15);
  EXPECT_NEAR(raw_effect.loading()[1], 0.01 * std::log(2.0), 1e-15);
  EXPECT_NEAR(raw_effect.loading()[2], 0.015, 1e-15);
  EXPECT_NEAR(raw_effect.loading()[3], 0.015, 1e-15);
  const double h = 1e-6;
  for (double at : {0.7, -0.4})
    EXPECT_NEAR(raw_effect.dloading_at(at),
                (raw_effect.loading_at(at + h) - raw_effect.loading_at(at - h)) / (2 * h), 1e-9);
  EXPECT_THROW(RunEffect({0, 1}, y, 0.02, true), Error);  // a run id per row
  EXPECT_THROW(RunEffect({0, 0, 1, 1}, y, -1.0, true), Error);
  EXPECT_TRUE(RunEffect({0, 0, 1, 1}, y, 0.0, true).empty());
}

// log N(ys | m, s2 K + noise I + R) and the latent posterior with the same covariance, written
// out densely; predictions have no R in their cross-covariance or their prior variance.
TEST(RunEffect, LikelihoodAndPosteriorEqualTheDenseBlockCovariance) {
  const GpModel m = model();
  const Runs d = runs(8, 3);
  const Eigen::VectorXd th = perturbed(m, 4);
  const RunEffect effect(d.run, d.y, 0.02, true);
  const GaussianProcess gp(m, d.X, d.y, th, std::nullopt, effect);
  const Standardizer st = gp.standardizer();
  const Eigen::VectorXd ys = st.apply(d.y);
  const Eigen::VectorXd p = m.kernel_params(th);
  const double s2 = m.signal_variance(th);
  Eigen::MatrixXd K = s2 * m.kernel().cross(p, d.X, d.X);
  K.diagonal().array() += m.noise_variance(th);
  K += dense_run_matrix(effect) / (st.scale * st.scale);
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(K);
  const Eigen::MatrixXd Kinv = lu.inverse();
  const Eigen::VectorXd r = ys - m.mean(th, d.X);
  const double lml = -0.5 * r.dot(Kinv * r) -
                     0.5 * lu.matrixLU().diagonal().array().abs().log().sum() -
                     0.5 * static_cast<double>(d.X.rows()) * std::log(2 * std::numbers::pi);
  EXPECT_NEAR(gp.log_marginal_likelihood(), lml, 1e-9 * std::abs(lml));
  const RunEffect effect_std = effect.standardised(st.scale);
  EXPECT_NEAR(log_marginal_likelihood(m, d.X, ys, th, nullptr, nullptr, &effect_std), lml,
              1e-9 * std::abs(lml));
  // Posterior at the runs' own inputs and elsewhere.
  Eigen::MatrixXd Xs(6, kK + 2);
  Xs << d.X.topRows(3), continuous_features(3, kK, 5);
  const Eigen::MatrixXd Ks = s2 * m.kernel().cross(p, Xs, d.X);
  const Eigen::VectorXd mean =
      ((m.mean(th, Xs) + Ks * Kinv * r).array() * st.scale + st.mean).matrix();
  const Eigen::VectorXd var =
      ((s2 * m.kernel().diagonal(p, Xs) - (Ks * Kinv * Ks.transpose()).diagonal()).array() *
       st.scale * st.scale)
          .matrix();
  const Posterior post = gp.predict(Xs);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(post.mean[i], mean[i], 1e-9 * std::abs(mean[i]));
    EXPECT_NEAR(post.variance[i], var[i], 1e-9 * std::max(1e-6, var[i]));
  }
}

// The signal variance's entry has R's own terms (s2 K = Kfull - noise I - R); every other entry
// keeps its form.
TEST(RunEffect, LikelihoodGradientMatchesCentralDifferences) {
  const GpModel m = model();
  const Runs d = runs(10, 6);
  const Eigen::VectorXd ys = Standardizer::fit(d.y).apply(d.y);
  const RunEffect effect =
      RunEffect(d.run, d.y, 0.03, false).standardised(Standardizer::fit(d.y).scale);
  for (std::uint64_t seed : {7, 8}) {
    const Eigen::VectorXd th = perturbed(m, seed);
    Eigen::VectorXd g;
    log_marginal_likelihood(m, d.X, ys, th, &g, nullptr, &effect);
    const double h = 1e-5;
    for (Eigen::Index j = 0; j < th.size(); ++j) {
      Eigen::VectorXd tp = th, tm = th;
      tp[j] += h;
      tm[j] -= h;
      const double fd = (log_marginal_likelihood(m, d.X, ys, tp, nullptr, nullptr, &effect) -
                         log_marginal_likelihood(m, d.X, ys, tm, nullptr, nullptr, &effect)) /
                        (2 * h);
      EXPECT_NEAR(g[j], fd, 1e-5 * std::max(1.0, std::abs(fd)))
          << "theta " << j << " (" << m.specs()[j].name << ")";
    }
  }
}

// sd 0 is the model without a run effect, to the last bit.
TEST(RunEffect, ZeroSdIsNoRunEffect) {
  const GpModel m = model();
  const Runs d = runs(6, 9);
  const Eigen::VectorXd th = perturbed(m, 10);
  const GaussianProcess plain(m, d.X, d.y, th);
  const GaussianProcess zero(m, d.X, d.y, th, std::nullopt, RunEffect(d.run, d.y, 0.0, true));
  const Eigen::MatrixXd Xs = continuous_features(5, kK, 11);
  EXPECT_EQ(plain.predict(Xs).mean, zero.predict(Xs).mean);
  EXPECT_EQ(plain.predict(Xs).variance, zero.predict(Xs).variance);
  EXPECT_EQ(plain.new_run_noise(0.5), zero.new_run_noise(0.5));
}

// A fantasised run is a run of its own: the update equals a GP built on the appended rows with
// each new row a new run.
TEST(RunEffect, FantasyEqualsRefitWithNewRunsAppended) {
  const GpModel m = model();
  const Runs d = runs(8, 12);
  const Eigen::VectorXd th = perturbed(m, 13);
  const GaussianProcess gp(m, d.X, d.y, th, std::nullopt, RunEffect(d.run, d.y, 0.02, true));
  const Eigen::MatrixXd Xn = continuous_features(3, kK, 14);
  const Eigen::VectorXd yn = gp.predict(Xn).mean + Eigen::VectorXd::Constant(3, 0.05);
  const GaussianProcess fan = gp.fantasize(Xn, yn);
  Eigen::MatrixXd Xa(d.X.rows() + 3, kK + 2);
  Xa << d.X, Xn;
  Eigen::VectorXd ya(d.y.size() + 3);
  ya << d.y, yn;
  std::vector<int> ra = d.run;
  for (int j = 0; j < 3; ++j) ra.push_back(100 + j);
  const GaussianProcess ref(m, Xa, ya, th, gp.standardizer(), RunEffect(ra, ya, 0.02, true));
  const Eigen::MatrixXd Xs = continuous_features(7, kK, 15);
  const Posterior a = fan.predict(Xs), b = ref.predict(Xs);
  EXPECT_LT((a.mean - b.mean).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((a.variance - b.variance).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(fan.log_marginal_likelihood(), ref.log_marginal_likelihood(), 1e-8);
}

// What it is for: a run whose every row sits above the surface by one shift. Read as seed noise,
// the shift moves the posterior at that run's inputs less than the same shift read as
// independent checkpoint noise, because four rows sharing one draw are one reading of it.
TEST(RunEffect, ARunsCommonShiftMovesThePosteriorLessThanIndependentNoise) {
  const GpModel m = model();
  const Runs d = runs(8, 16);
  Eigen::VectorXd th = m.initial();
  th[m.noise_index()] = std::log(1e-4);
  Eigen::VectorXd shifted = d.y;
  shifted.segment(0, 4).array() += 0.02;  // run 0
  const Eigen::MatrixXd at = d.X.topRows(4);
  const auto pull = [&](const RunEffect& e) {
    const GaussianProcess before(m, d.X, d.y, th, std::nullopt, e);
    const GaussianProcess after(m, d.X, shifted, th, before.standardizer(), e);
    return (after.predict(at).mean - before.predict(at).mean).mean();
  };
  const double independent = pull(RunEffect{});
  const double as_seed_noise = pull(RunEffect(d.run, d.y, 0.2, true));
  EXPECT_GT(independent, 0.5 * 0.02);  // the surface follows a shift it has no other reading of
  EXPECT_LT(as_seed_noise, 0.8 * independent);
  EXPECT_GT(as_seed_noise, 0.0);
}

// The fit's problem crosses ranks serialised: its run effect must cross with it, or a worker
// would fit another likelihood. A serialised round trip gives the same objective.
TEST(RunEffect, FitProblemAndGpCarryItThroughSerialisation) {
  const GpModel m = model();
  const Runs d = runs(6, 17);
  const Standardizer st = Standardizer::fit(d.y);
  const RunEffect effect(d.run, d.y, 0.02, true);
  const GpFitProblem problem(m, d.X, st.apply(d.y), FitOptions{}, effect.standardised(st.scale));
  ByteWriter w;
  problem.serialize(w);
  ByteReader r(w.bytes());
  const auto back = GpFitProblem::deserialize(r);
  EXPECT_TRUE(r.done());
  const Eigen::VectorXd th = perturbed(m, 18);
  const GpFitProblem without(m, d.X, st.apply(d.y), FitOptions{});
  const double v = problem.objective(th, nullptr);
  EXPECT_EQ(dynamic_cast<const GpFitProblem&>(*back).objective(th, nullptr), v);
  EXPECT_NE(without.objective(th, nullptr), v);

  const GaussianProcess gp(m, d.X, d.y, th, std::nullopt, effect);
  ByteWriter gw;
  gp.serialize(gw);
  ByteReader gr(gw.bytes());
  const GaussianProcess gback = GaussianProcess::deserialize(gr);
  EXPECT_TRUE(gr.done());
  const Eigen::MatrixXd Xs = continuous_features(4, kK, 19);
  EXPECT_EQ(gp.predict(Xs).mean, gback.predict(Xs).mean);
  EXPECT_EQ(gp.new_run_noise(0.3), gback.new_run_noise(0.3));
  EXPECT_EQ(gback.run_effect().run(), d.run);
}

// The fit with a run effect is the MAP of the likelihood with it: its optimum is no worse there
// than the optimum fitted without it.
TEST(RunEffect, FitMaximisesTheLikelihoodWithTheEffect) {
  const GpModel m = model();
  const Runs d = runs(10, 20);
  const RunEffect effect(d.run, d.y, 0.01, true);
  FitOptions o;
  o.starts = 4;
  o.max_evaluations = 200;
  SerialTeam team;
  Rng r1 = make_rng(3, 1), r2 = make_rng(3, 1);
  const FitResult with = fit_gp(m, d.X, d.y, team, r1, std::nullopt, o, effect);
  const FitResult without = fit_gp(m, d.X, d.y, team, r2, std::nullopt, o);
  const Standardizer st = Standardizer::fit(d.y);
  const RunEffect effect_std = effect.standardised(st.scale);
  const Eigen::VectorXd ys = st.apply(d.y);
  EXPECT_GE(log_posterior(m, d.X, ys, with.theta, nullptr, nullptr, &effect_std),
            log_posterior(m, d.X, ys, without.theta, nullptr, nullptr, &effect_std) - 1e-6);
  EXPECT_EQ(with.gp.run_effect().run(), d.run);
  EXPECT_NEAR(with.log_posterior,
              log_posterior(m, d.X, ys, with.theta, nullptr, nullptr, &effect_std), 1e-8);
}
