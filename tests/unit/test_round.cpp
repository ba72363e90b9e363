// The round engine shared by `mixbo run` and `mixbo bench`: the budget is a hard cap for every
// strategy, the BO strategies' initial design is scaled to the budget, and every recommendation
// says what its value refers to (scale, steps, interval or not).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "bench_test_support.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/loop/estimate_basis.hpp"
#include "mixbo/loop/estimate_text.hpp"
#include "mixbo/loop/round.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

BenchCampaign drive(const CampaignConfig& cfg, const fs::path& archive_dir = {}) {
  SerialTeam team;
  const auto sim = make_simulator(cfg.simulator, cfg.space);
  const SimulatedObjective truth(*sim, cfg.objective);
  auto strategy = make_strategy(cfg.strategy_setup(), team);
  return drive_campaign(cfg, *strategy, *sim, truth, 1.0, 0.005, archive_dir);
}

}  // namespace

// Fixtures live outside the anonymous namespace: in a unity batch, a test class deriving from
// an anonymous-namespace type of an included file is a -Wsubobject-linkage warning.
class HardBudget : public ::testing::TestWithParam<std::string> {};

// Budget 1.5 full target runs: a strategy that makes target runs used to make the second one
// (the spend was checked before a run, not with it) and end at 2.0.
TEST_P(HardBudget, NoStrategySpendsMoreThanTheBudget) {
  test::TempDir tmp;
  // The model-based strategies are slower per round: one small budget for them.
  const bool slow = GetParam() == "mfms-bo" || GetParam() == "bimix-law";
  for (const double budget : slow ? std::vector<double>{0.3} : std::vector<double>{0.7, 1.5}) {
    auto cfg = test::demo(tmp.path / "w", GetParam(), budget);
    if (!test::available(cfg)) GTEST_SKIP() << GetParam() << " is not in this build";
    cfg.strategy.fit_starts = 4;
    cfg.strategy.raw_samples = 128;
    cfg.strategy.refine_starts = 2;
    const auto b = drive(cfg);
    EXPECT_LE(b.curve.spent, budget * (1 + kBudgetSlack)) << GetParam() << " at " << budget;
    if (budget >= 1) {
      EXPECT_GT(b.curve.trials, 0) << "every strategy can make a target run";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, HardBudget, ::testing::ValuesIn(default_bench_strategies()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// bimix-law used to stop after its first target run (1.5 of 10 units on a held-out objective).
TEST(HardBudget, BimixLawSpendsItsBudget) {
  test::TempDir tmp;
  const double budget = 1.5;
  auto cfg = test::demo(tmp.path / "w", "bimix-law", budget);
  cfg.strategy.fit_starts = 8;  // 4 starts per law fit: what is checked is the spending
  const auto b = drive(cfg, tmp.path / "a");
  EXPECT_GT(b.curve.spent, 0.75 * budget);
  EXPECT_LE(b.curve.spent, budget * (1 + kBudgetSlack));
  const Archive a = load_archive(tmp.path / "a" / "campaign.h5");
  std::set<int> scales;
  for (const auto& t : a.trials) scales.insert(t.point.scale);
  EXPECT_GE(scales.size(), 3u) << "design stages at larger scales, and target runs";
}

TEST(HardBudget, ACheaperProposalOfTheRoundStillFits) {
  test::TempDir tmp;
  auto cfg = test::demo(tmp.path / "w", "random", 0.5);
  Campaign c(cfg);
  const auto& sp = cfg.space;
  const Eigen::VectorXd w = sp.simplex().center();
  const Point target{w, sp.scales().target(), sp.steps().max_steps()};
  const Point cheap{w, 0, sp.steps().max_steps()};
  ASSERT_GT(sp.cost(target), 0.5);
  EXPECT_EQ(c.add_proposals({target, cheap}, 0, "test"), 1);
  ASSERT_EQ(c.archive().trials.size(), 1u);
  EXPECT_EQ(c.archive().trials[0].point.scale, 0);
  EXPECT_LE(c.spent(), 0.5);
}

// sf-bo with the default n_init = 10 at a budget of 3 target runs used to spend the whole
// budget on its random initial design and never fit a model to choose a run.
TEST(InitialDesign, AtMostAThirdOfTheBudgetThenTheModelChooses) {
  test::TempDir tmp;
  auto cfg = test::demo(tmp.path / "w", "sf-bo", 3.0);
  cfg.strategy.n_init = 10;
  cfg.strategy.fit_starts = 4;
  cfg.strategy.raw_samples = 256;
  drive(cfg, tmp.path / "a");
  const Archive a = load_archive(tmp.path / "a" / "campaign.h5");
  int modelled = 0;
  for (const auto& it : a.iterations) modelled += it.diagnostics.count("acq_seconds") > 0;
  EXPECT_GE(modelled, 1) << "every round was initial design";
  EXPECT_LE(a.trials.size(), 3u);
}

// strategy.run_noise: the final report and `mixbo status` say what seed noise the model read,
// from the last round that reported one, and whether it was measured or declared.
TEST(EstimateText, SaysWhatSeedNoiseTheModelRead) {
  Archive a;
  EXPECT_EQ(seed_noise_text(a), "");
  EXPECT_TRUE(seed_noise_json(a).is_null());
  IterationRecord design, measured, later;
  measured.diagnostics = {{"gp.run_noise", 0.0}, {"gp.run_noise_contrasts", 0.0}};
  a.iterations = {design, measured};
  EXPECT_EQ(seed_noise_text(a), "seed noise: none measured yet (no repeated run has finished)");
  // A repeat that agreed with its run bit for bit: an objective the seed does not move.
  a.iterations[1].diagnostics = {
      {"gp.run_noise", 0.0}, {"gp.run_noise_contrasts", 1.0}, {"gp.run_noise_exact", 1.0}};
  EXPECT_EQ(seed_noise_text(a),
            "seed noise: none (a repeated run agreed with its run bit for bit: the objective does "
            "not depend on the seed, and no more repeats are made)");
  EXPECT_TRUE(seed_noise_json(a)["exact"]);
  EXPECT_EQ(seed_noise_json(a)["sd"], 0.0);
  a.iterations[1].diagnostics = {
      {"gp.run_noise", 0.0021}, {"gp.run_noise_contrasts", 3.0}, {"gp.run_noise_exact", 0.0}};
  later.diagnostics = {{"gp.run_noise", std::nan("")}};  // a round without a GP
  a.iterations.push_back(later);
  EXPECT_EQ(seed_noise_text(a),
            "seed noise in the model: 0.21% of the loss per run, measured from 3 contrasts of "
            "repeated runs");
  const auto j = seed_noise_json(a);
  EXPECT_DOUBLE_EQ(j["sd"].get<double>(), 0.0021);
  EXPECT_TRUE(j["measured"]);
  EXPECT_EQ(j["contrasts"], 3);
  EXPECT_FALSE(j["exact"]);
  a.iterations[1].diagnostics = {{"gp.run_noise", 0.003}};
  EXPECT_EQ(seed_noise_text(a), "seed noise in the model: 0.30% of the loss per run, declared");
  EXPECT_FALSE(seed_noise_json(a)["measured"]);
}

TEST(EstimateText, SaysWhatTheValueRefersTo) {
  IterationRecord r;
  EXPECT_EQ(estimate_text(r, "1B"), "no recommendation yet");
  r.rec_valid = true;
  r.rec_mean = r.rec_lo = r.rec_hi = 3.73;
  r.rec_scale = "70M";
  r.rec_steps = 1000;
  EXPECT_EQ(estimate_text(r, "1B"), "no estimate at 1B yet (70M@1000 3.7300)");
  r.rec_scale = "1B";
  r.rec_steps = 19500;
  r.rec_at_target = true;
  EXPECT_EQ(estimate_text(r, "1B"), "1B@19500 3.7300 (one run, no interval)");
  r.rec_lo = 3.5;
  r.rec_hi = 3.9;
  r.rec_interval = true;
  EXPECT_EQ(estimate_text(r, "1B"), "1B@19500 3.7300 [3.5000, 3.9000]");
  const auto j = estimate_json(r);
  EXPECT_EQ(j["scale"], "1B");
  EXPECT_EQ(j["steps"], 19500);
  EXPECT_TRUE(j["at_target"]);
  EXPECT_DOUBLE_EQ(j["lo"].get<double>(), 3.5);
  r.rec_interval = false;
  EXPECT_FALSE(estimate_json(r).contains("lo")) << "no interval: no lo/hi to misread";
}

// What an interval at the target rests on: while no run has reported at the target, an
// extrapolation from the largest scale observed; then the full-length target runs, and whether
// one is at the recommended mixture. A target run cut short (no observation at full steps) and
// a proposed run with no observation count for nothing.
TEST(EstimateBasis, SaysWhetherTheTargetWasRunAtTheAnswer) {
  const ArchiveLadder ladder{{"20M", "60M", "1B"}, 2};
  constexpr std::int64_t kMax = 1000;
  const Eigen::Vector3d answer(0.5, 0.3, 0.2), other(0.2, 0.3, 0.5);
  Archive a;
  const auto add = [&](const Eigen::Vector3d& w, int scale, std::int64_t last_step) {
    TrialRecord t;
    t.id = "t" + std::to_string(a.trials.size() + 1);
    t.point = {w, scale, kMax};
    a.trials.push_back(t);
    if (last_step <= 0) return;  // proposed, nothing observed yet
    a.observations.trial.push_back(static_cast<std::int64_t>(a.trials.size() - 1));
    a.observations.step.push_back(last_step);
    a.observations.value.push_back(3.0);
  };
  IterationRecord rec;
  rec.rec_valid = rec.rec_at_target = rec.rec_interval = true;
  rec.rec_w = answer;
  add(other, 0, kMax);
  add(answer, 1, kMax);
  add(answer, 2, 0);    // proposed at the target: no observation
  add(answer, 2, 500);  // at the target, cut short at half length
  EstimateBasis b = estimate_basis(a, ladder, kMax, answer);
  EXPECT_EQ(b.largest_scale, "1B");
  EXPECT_EQ(b.target_runs, 0) << "a half-length target run is not a target run";
  EXPECT_EQ(basis_text(rec, b, "1B"),
            "no full-length run at 1B: extrapolated from shorter runs there");
  a.trials.pop_back();
  a.observations = {};
  a.observations.trial = {0, 1};
  a.observations.step = {kMax, kMax};
  a.observations.value = {3.0, 2.9};
  b = estimate_basis(a, ladder, kMax, answer);
  EXPECT_EQ(b.largest_scale, "60M");
  EXPECT_EQ(basis_text(rec, b, "1B"),
            "extrapolated from runs up to 60M: it assumes 1B continues their trend");
  add(other, 2, kMax);
  b = estimate_basis(a, ladder, kMax, answer);
  EXPECT_EQ(b.target_runs, 1);
  EXPECT_EQ(basis_text(rec, b, "1B"), "from 1 full-length run at 1B, none at this mixture");
  add(answer, 2, kMax);
  b = estimate_basis(a, ladder, kMax, answer);
  EXPECT_EQ(b.target_runs, 2);
  EXPECT_EQ(b.run_at_mixture, a.trials.back().id);
  EXPECT_EQ(basis_text(rec, b, "1B"), "run " + a.trials.back().id + " at 1B is at this mixture");
  const auto j = estimate_basis_json(b);
  EXPECT_EQ(j["target_runs"], 2);
  EXPECT_EQ(j["largest_scale"], "1B");
  EXPECT_EQ(basis_text(rec, estimate_basis(a, ladder, 0, answer), "1B"), "")
      << "no step count given: nothing known, nothing said";
  rec.rec_interval = false;  // a value without an interval (one run): nothing to qualify
  EXPECT_EQ(basis_text(rec, b, "1B"), "");
}

// Hyperband's first rounds recommend from runs below the target: the archive must say so
// instead of labelling a cheap run's loss as the target's.
TEST(EstimateLabels, BaselinesBelowTheTargetAreLabelledWithTheirScale) {
  test::TempDir tmp;
  auto cfg = test::demo(tmp.path / "w", "hyperband", 3.0);
  drive(cfg, tmp.path / "a");
  const Archive a = load_archive(tmp.path / "a" / "campaign.h5");
  const auto& sp = cfg.space;
  int below = 0;
  for (const auto& it : a.iterations) {
    if (!it.rec_valid) continue;
    const int s = sp.scales().index_of(it.rec_scale);
    ASSERT_GE(s, 0) << "scale '" << it.rec_scale << "'";
    EXPECT_EQ(it.rec_at_target,
              s == sp.scales().target() && it.rec_steps == sp.steps().max_steps());
    EXPECT_FALSE(it.rec_interval) << "hyperband has no uncertainty estimate";
    below += !it.rec_at_target;
  }
  EXPECT_GT(below, 0) << "hyperband's early rounds recommend from cheaper runs";
}

// mfms-bo's value is a prediction at the target with an interval once its run-out check vouches
// for extrapolations that long, and before that a value where its runs are, with no interval.
TEST(EstimateLabels, GpRecommendationIsATargetPredictionWithAnInterval) {
  test::TempDir tmp;
  // Budget 0.2 (21 rounds: 10 below the target, then 10 at it), short fits and searches keep the
  // sanitizer run short (budget 0.6 took 142 s there): what is checked is the labels.
  auto cfg = test::demo(tmp.path / "w", "mfms-bo", 0.2);
  cfg.strategy.fit_starts = 4;
  cfg.strategy.raw_samples = 128;
  cfg.strategy.refine_starts = 2;
  drive(cfg, tmp.path / "a");
  const Archive a = load_archive(tmp.path / "a" / "campaign.h5");
  ASSERT_TRUE(a.recommendation.rec_valid);
  EXPECT_TRUE(a.recommendation.rec_at_target);
  EXPECT_TRUE(a.recommendation.rec_interval);
  EXPECT_EQ(a.recommendation.rec_scale, "1B");
  EXPECT_LT(a.recommendation.rec_lo, a.recommendation.rec_hi);
  int below = 0;
  for (const auto& it : a.iterations)
    if (it.rec_valid && !it.rec_at_target) {
      ++below;
      EXPECT_NE(it.rec_scale, "1B");
      EXPECT_FALSE(it.rec_interval) << "round " << it.iteration;
    }
  EXPECT_GT(below, 0) << "the design's rounds state the value where the runs are";
  // What the strategy says about its recommendation is archived with the round (the round used
  // to copy the diagnostics before recommend(), so rec.* never reached the archive).
  int with_rec = 0;
  for (const auto& it : a.iterations)
    if (it.rec_valid) {
      with_rec += it.diagnostics.count("rec.verified") && it.diagnostics.count("rec.sd_scale");
      if (it.diagnostics.count("rec.sd_scale")) {
        EXPECT_GE(it.diagnostics.at("rec.sd_scale"), 0.0);
      }
    }
  EXPECT_GT(with_rec, 0);
}
