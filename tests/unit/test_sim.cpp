// The simulated objectives: the built-in BiMix-style law, the MLP file loader and forward pass,
// and simulated runs with seeded noise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <nlopt.hpp>

#include "mixbo/core/error.hpp"
#include "mixbo/sim/bimix_simulator.hpp"
#include "mixbo/sim/mlp_simulator.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "mixbo/space/sampling.hpp"
#include "scratch.hpp"
#include "slim_domains.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

fs::path paper_file() {
  return fs::path(MIXBO_SHARED_DIR) / "data/paper-sim/simulator_mlp_20250119.json";
}

// argmin over the simplex of metric `m` (NLopt COBYLA in softmax logits, several starts).
Eigen::VectorXd argmin(const Simulator& sim, int m, double params, std::int64_t step) {
  const int k = 5;
  struct Ctx {
    const Simulator* sim;
    int m;
    double params;
    std::int64_t step;
  } ctx{&sim, m, params, step};
  auto softmax = [](const std::vector<double>& z) {
    Eigen::VectorXd w(static_cast<Eigen::Index>(z.size()));
    for (size_t i = 0; i < z.size(); ++i) w[static_cast<Eigen::Index>(i)] = std::exp(z[i]);
    return Eigen::VectorXd(w / w.sum());
  };
  Eigen::VectorXd best;
  double best_f = 1e300;
  Rng rng = make_rng(1, 2);
  const auto starts = sample_dirichlet(BoundedSimplex(test::kSlim), 1.0, 6, rng);
  for (int s = 0; s < starts.rows(); ++s) {
    nlopt::opt opt(nlopt::LN_NELDERMEAD, k);
    opt.set_min_objective(
        [](const std::vector<double>& z, std::vector<double>&, void* data) {
          const auto* c = static_cast<Ctx*>(data);
          Eigen::VectorXd w(static_cast<Eigen::Index>(z.size()));
          for (size_t i = 0; i < z.size(); ++i) w[static_cast<Eigen::Index>(i)] = std::exp(z[i]);
          return c->sim->evaluate(w / w.sum(), c->params, c->step)[c->m];
        },
        &ctx);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(4000);
    std::vector<double> z(k);
    for (int i = 0; i < k; ++i) z[static_cast<size_t>(i)] = std::log(starts(s, i));
    double f = 0;
    try {
      opt.optimize(z, f);
    } catch (const nlopt::roundoff_limited&) {
    }
    if (f < best_f) best_f = f, best = softmax(z);
  }
  return best;
}

}  // namespace

TEST(Bimix, MetricsAreOnePerDomainAndTrainCE) {
  BimixSimulator sim(test::kSlim);
  const auto m = sim.metrics();
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[1], "StackExchange_CE");
  EXPECT_EQ(m[5], "train_CE");
}

TEST(Bimix, MatchesTheLawWrittenOut) {
  BimixSimulator sim(test::kSlim);
  Eigen::VectorXd w(5);
  w << 0.1, 0.4, 0.25, 0.15, 0.1;
  const double params = 3e8;
  const std::int64_t step = 4000;
  const auto v = sim.evaluate(w, params, step);
  Eigen::VectorXd u(5);
  for (int i = 0; i < 5; ++i) u[i] = sim.laws()[static_cast<size_t>(i)].share;
  u /= u.sum();
  double kl = 0;
  for (int i = 0; i < 5; ++i) kl += w[i] * std::log(w[i] / u[i]);
  const double n = params / 1e9, s = step / 1000.0;
  double train = 0;
  for (int j = 0; j < 5; ++j) {
    const auto& l = sim.laws()[static_cast<size_t>(j)];
    const double r = sim.transfer().row(j).dot(w);
    const double want =
        l.E + l.M * std::pow(n, -0.3) +
        l.A * std::pow(n, -0.1) * std::pow(r, -l.alpha) * (l.B * std::pow(s, -0.5) + l.C) +
        0.05 * std::pow(n, 0.3) * kl;
    EXPECT_NEAR(v[j], want, 1e-12) << test::kSlim[static_cast<size_t>(j)];
    train += w[j] * want;
  }
  EXPECT_NEAR(v[5], train, 1e-12);
}

TEST(Bimix, LevelsAreThePaperSimulatorsAtTheUniformMixture) {
  // Anchored on the paper's MLP: StackExchange_CE = 0.904 at uniform, 1B, 19,500 steps.
  BimixSimulator sim(test::kSlim);
  const auto v = sim.evaluate(Eigen::VectorXd::Constant(5, 0.2), 1e9, 19500);
  EXPECT_NEAR(v[1], 0.904, 0.01);
  EXPECT_NEAR(v[2], 0.666, 0.01);
  EXPECT_GT(v[4], v[0]);  // books are the hardest domain to predict, code the easiest
  EXPECT_LT(v[2], v[1]);
}

TEST(Bimix, LearningCurvesDecreaseInStepsAndLossesInScale) {
  BimixSimulator sim(test::kSlim);
  Rng rng = make_rng(3, 0);
  const auto W = sample_dirichlet(BoundedSimplex(test::kSlim), 1.0, 20, rng);
  for (int r = 0; r < W.rows(); ++r) {
    const Eigen::VectorXd w = W.row(r).transpose();
    Eigen::VectorXd prev = sim.evaluate(w, 2e7, 100);
    for (std::int64_t s = 200; s <= 19500; s += 100) {
      const auto v = sim.evaluate(w, 2e7, s);
      ASSERT_TRUE(((v - prev).array() < 0).all()) << "step " << s;
      prev = v;
    }
    for (int j = 0; j < 5; ++j)
      EXPECT_LT(sim.evaluate(w, 1e9, 19500)[j], sim.evaluate(w, 2e7, 19500)[j]);
  }
}

TEST(Bimix, OptimumIsInteriorAndMovesWithScale) {
  BimixSimulator sim(test::kSlim);
  const auto w_big = argmin(sim, 1, 1e9, 19500);
  const auto w_small = argmin(sim, 1, 2e7, 19500);
  EXPECT_GT(w_big.minCoeff(), 0.02) << w_big.transpose();
  EXPECT_LT(w_big.maxCoeff(), 0.9) << w_big.transpose();
  // Small models want more of the evaluated domain (repetition hurts them less).
  EXPECT_GT(w_small[1], w_big[1] + 0.1);
  // Informative but not exact: the small-scale optimum is good at 1B but measurably worse.
  const double best = sim.evaluate(w_big, 1e9, 19500)[1];
  const double small_at_big = sim.evaluate(w_small, 1e9, 19500)[1];
  const double uniform = sim.evaluate(Eigen::VectorXd::Constant(5, 0.2), 1e9, 19500)[1];
  EXPECT_GT(small_at_big, best * 1.005);
  EXPECT_LT(best, uniform);
}

TEST(Bimix, UnknownNamesGetDeterministicHashedCoefficients) {
  BimixSimulator a({"web", "code", "papers"}), b({"web", "code", "papers"}), c({"x", "code", "y"});
  Eigen::VectorXd w(3);
  w << 0.5, 0.3, 0.2;
  EXPECT_EQ(a.evaluate(w, 1e8, 1000), b.evaluate(w, 1e8, 1000));
  EXPECT_NE(a.evaluate(w, 1e8, 1000)[0], c.evaluate(w, 1e8, 1000)[0]);
  EXPECT_EQ(a.metrics()[0], "web_CE");
  EXPECT_TRUE(a.evaluate(w, 1e8, 1000).allFinite());
}

TEST(Bimix, RejectsAliasesOfOneDomainAndWrongSizes) {
  EXPECT_THROW(BimixSimulator({"Book", "books"}), ConfigError);
  BimixSimulator sim(test::kSlim);
  EXPECT_THROW(sim.evaluate(Eigen::VectorXd::Constant(3, 1.0 / 3), 1e9, 100), Error);
}

TEST(PaperMlp, CheckValueOfTheReadme) {
  if (!fs::exists(paper_file())) GTEST_SKIP() << "no " << paper_file();
  MlpSimulator sim(paper_file());
  EXPECT_EQ(sim.domains(), test::kSlim);
  ASSERT_EQ(sim.metrics().size(), 11u);
  EXPECT_EQ(sim.metrics()[4], "StackExchange_CE");
  const auto v = sim.evaluate(Eigen::VectorXd::Constant(5, 0.2), 1e9, 19500);
  EXPECT_NEAR(v[4], 0.904410, 5e-7);
}

TEST(PaperMlp, CampaignOrderIsMappedByName) {
  if (!fs::exists(paper_file())) GTEST_SKIP() << "no " << paper_file();
  MlpSimulator file_order(paper_file());
  MlpCampaignSimulator shuffled(paper_file(),
                                {"Book", "ArXiv", "Github", "StackExchange", "Wikipedia"});
  Eigen::VectorXd w(5), rev(5);
  w << 0.1, 0.3, 0.2, 0.15, 0.25;
  rev = w.reverse();
  EXPECT_EQ(file_order.evaluate(w, 1.5e8, 5000), shuffled.evaluate(rev, 1.5e8, 5000));
}

TEST(PaperMlp, OtherDomainsAreAConfigError) {
  if (!fs::exists(paper_file())) GTEST_SKIP() << "no " << paper_file();
  try {
    MlpCampaignSimulator sim(paper_file(), {"web", "code"});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("StackExchange"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("web, code"), std::string::npos) << e.what();
  }
}

TEST(PaperMlp, ScalesFarOutsideItsDataAreAConfigError) {
  if (!fs::exists(paper_file())) GTEST_SKIP() << "no " << paper_file();
  SimulatorOptions c;
  c.type = "mlp";
  c.file = paper_file();
  SearchSpace ok(BoundedSimplex(test::kSlim), ScaleLadder::paper_default(),
                 StepGrid(100, 19500, {}));
  EXPECT_NO_THROW(make_simulator(c, ok));
  SearchSpace big(BoundedSimplex(test::kSlim),
                  ScaleLadder({{"1B", 1e9, 0.1}, {"7B", 7e9, 1}}, "7B"), StepGrid(100, 19500, {}));
  EXPECT_THROW(make_simulator(c, big), ConfigError);
}

// A tiny network written by the test, so the forward pass is checked by hand without the
// shared file: inputs [p_a, p_b, model_size_M, d_model(masked), training_step].
nlohmann::json tiny() {
  using nlohmann::json;
  auto t = [](std::vector<long> shape, std::vector<double> data) {
    return json{{"shape", shape}, {"data", data}};
  };
  json j;
  j["inputs_full_9"] = {"p_a", "p_b", "model_size_M", "d_model", "training_step"};
  j["feature_mask"] = {1, 1, 1, 0, 1};
  j["outputs"] = {"a_CE", "acc"};
  j["normalization_stats"] = {{"X_mean", t({5}, {0.5, 0.5, 100, 0, 1000})},
                              {"X_std", t({5}, {0.5, 0.5, 100, 1, 1000})},
                              {"y_mean", t({2}, {2.0, 0.5})},
                              {"y_std", t({2}, {0.5, 0.1})}};
  j["weights"] = {{"layers.0.weight", t({2, 4}, {1, -1, 0.5, 0, 0, 1, 0, -2})},
                  {"layers.0.bias", t({2}, {0.1, 0.2})},
                  {"layers.2.weight", t({2, 2}, {1, 2, -1, 0.5})},
                  {"layers.2.bias", t({2}, {0.0, 1.0})}};
  return j;
}

fs::path write_json(const nlohmann::json& j, const std::string& name) {
  const auto f = test::scratch_dir("sim-test") / name;
  std::ofstream(f) << j.dump();
  return f;
}

TEST(Mlp, ForwardPassByHand) {
  MlpSimulator sim(write_json(tiny(), "tiny.json"));
  EXPECT_EQ(sim.domains(), (std::vector<std::string>{"a", "b"}));
  Eigen::VectorXd w(2);
  w << 0.75, 0.25;
  const auto y = sim.evaluate(w, 3e8, 3000);               // z = [0.5, -0.5, 2, 2]
  const double h0 = std::max(0.0, 0.5 + 0.5 + 1.0 + 0.1);  // 2.1
  const double h1 = std::max(0.0, -0.5 - 4.0 + 0.2);       // 0
  EXPECT_NEAR(y[0], (h0 + 2 * h1) * 0.5 + 2.0, 1e-12);
  EXPECT_NEAR(y[1], (-h0 + 0.5 * h1 + 1.0) * 0.1 + 0.5, 1e-12);
}

std::string load_error(const nlohmann::json& j) {
  const auto f = write_json(j, "bad.json");
  try {
    MlpSimulator sim(f);
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(f.string()), std::string::npos) << msg;
    return msg;
  }
  return "";
}

TEST(Mlp, BadFilesFailClearly) {
  auto j = tiny();
  j["weights"]["layers.2.weight"]["shape"] = {2, 3};
  EXPECT_NE(load_error(j).find("layers.2.weight"), std::string::npos);
  j = tiny();
  j["weights"]["layers.0.bias"]["data"] = {0.1};
  EXPECT_NE(load_error(j).find("layers.0.bias"), std::string::npos);
  j = tiny();
  j["normalization_stats"].erase("X_std");
  EXPECT_NE(load_error(j).find("X_std"), std::string::npos);
  j = tiny();
  j["outputs"] = {"a_CE"};
  EXPECT_NE(load_error(j).find("one per output"), std::string::npos);
  j = tiny();
  j["feature_mask"] = {1, 1, 1, 1, 1};
  EXPECT_NE(load_error(j).find("d_model"), std::string::npos);
  j = tiny();
  j["inputs_full_9"][4] = "steps";
  EXPECT_NE(load_error(j).find("training_step"), std::string::npos);
  j = tiny();
  j["normalization_stats"]["y_std"]["data"] = {0.5, 0.0};
  EXPECT_NE(load_error(j).find("y_std"), std::string::npos);
  j = tiny();
  j["weights"].erase("layers.2.bias");
  EXPECT_NE(load_error(j).find("layers.2"), std::string::npos);

  const auto trunc = test::scratch_dir("sim-test") / "truncated.json";
  std::ofstream(trunc) << tiny().dump().substr(0, 80);
  EXPECT_THROW(MlpSimulator{trunc}, ConfigError);
  EXPECT_THROW(MlpSimulator{test::scratch_dir("sim-test") / "absent.json"}, ConfigError);
}

TEST(SimulatedRun, CheckpointsEndAtTheBudget) {
  EXPECT_EQ(run_checkpoints(500, 100), (std::vector<std::int64_t>{100, 200, 300, 400, 500}));
  EXPECT_EQ(run_checkpoints(250, 100), (std::vector<std::int64_t>{100, 200, 250}));
  EXPECT_EQ(run_checkpoints(50, 100), (std::vector<std::int64_t>{50}));
  EXPECT_THROW(run_checkpoints(0, 100), Error);
}

TEST(SimulatedRun, NoiseIsSeededPerTrial) {
  BimixSimulator sim(test::kSlim);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  const auto ck = run_checkpoints(19500, 100);
  const auto clean = simulate_curve(sim, w, 1e9, ck, {}, 1);
  const auto a = simulate_curve(sim, w, 1e9, ck, {.checkpoint = 0.01}, 1);
  const auto b = simulate_curve(sim, w, 1e9, ck, {.checkpoint = 0.01}, 1);
  const auto c = simulate_curve(sim, w, 1e9, ck, {.checkpoint = 0.01}, 2);
  EXPECT_EQ(a.metrics, b.metrics);
  EXPECT_NE(a.metrics, c.metrics);
  EXPECT_EQ(clean.metrics.at("StackExchange_CE").back(), sim.evaluate(w, 1e9, 19500)[1]);
  // The noise has the std-dev asked for.
  double ss = 0;
  const auto& x = a.metrics.at("StackExchange_CE");
  const auto& y = clean.metrics.at("StackExchange_CE");
  for (size_t i = 0; i < x.size(); ++i) ss += (x[i] - y[i]) * (x[i] - y[i]);
  EXPECT_NEAR(std::sqrt(ss / static_cast<double>(x.size())), 0.01, 0.002);
}

// simulator.run_noise shifts a run's whole curve, every checkpoint and every metric by one draw,
// which has the std-dev asked for across runs; the checkpoints' own noise is drawn as without it.
TEST(SimulatedRun, RunNoiseShiftsTheWholeRun) {
  BimixSimulator sim(test::kSlim);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  const auto ck = run_checkpoints(2000, 100);
  const auto clean = simulate_curve(sim, w, 1e9, ck, {}, 1);
  const auto names = sim.metrics();
  std::vector<double> shifts;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const auto run = simulate_curve(sim, w, 1e9, ck, {.run = 0.02}, seed);
    const double shift =
        run.metrics.at(names.front()).front() - clean.metrics.at(names.front()).front();
    for (const auto& m : names)
      for (size_t i = 0; i < ck.size(); ++i)
        ASSERT_NEAR(run.metrics.at(m)[i] - clean.metrics.at(m)[i], shift, 1e-12) << m << " " << i;
    shifts.push_back(shift);
  }
  double mean = 0, ss = 0;
  for (double s : shifts) mean += s / static_cast<double>(shifts.size());
  for (double s : shifts) ss += (s - mean) * (s - mean);
  // 400 draws: the sample sd's standard error is 0.02 / sqrt(800) = 0.0007 and the mean's
  // 0.02 / sqrt(400) = 0.001, so the bounds are 3.5 and 4 standard errors.
  EXPECT_NEAR(std::sqrt(ss / static_cast<double>(shifts.size() - 1)), 0.02, 0.0025);
  EXPECT_NEAR(mean, 0.0, 0.004);

  // Both noises: the checkpoints' draws are those of the checkpoint noise alone, plus the shift.
  const auto both = simulate_curve(sim, w, 1e9, ck, {.checkpoint = 0.01, .run = 0.02}, 7);
  const auto alone = simulate_curve(sim, w, 1e9, ck, {.checkpoint = 0.01}, 7);
  const double shift = shifts.at(6);
  for (const auto& m : names)
    for (size_t i = 0; i < ck.size(); ++i)
      EXPECT_NEAR(both.metrics.at(m)[i] - alone.metrics.at(m)[i], shift, 1e-12) << m;
}

TEST(SimulatedRun, TrialParamsDriveTheCurve) {
  TrialParams p;
  p.trial_id = "t0004";
  p.domains = {"web", "code"};
  p.mixture = {0.7, 0.3};
  p.scale_params = 6e7;
  p.steps = 1000;
  p.checkpoint_interval = 200;
  p.seed = 9;
  const auto sim = make_simulator(simulator_options(p), p.domains);
  const auto c = simulate_trial(*sim, p);
  EXPECT_EQ(c.trial_id, "t0004");
  EXPECT_EQ(c.steps.size(), 5u);
  EXPECT_EQ(c.metrics.size(), 3u);
  p.mixture = {1.0};
  EXPECT_THROW(simulate_trial(*sim, p), Error);
  SimulatorOptions bad;
  bad.type = "gpt";
  EXPECT_THROW(make_simulator(bad, p.domains), ConfigError);
}
