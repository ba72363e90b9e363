// A resumed campaign makes the decisions the uninterrupted one makes. mfms-bo keeps what the
// history cannot rebuild (its fitted hyperparameters, the data cost of the last fit, its last
// answer); the loop archives it after every round (Strategy::save_state, /strategy_state) and
// hands it to the fresh strategy of a resumed campaign. Without it the first round after a
// restart refitted from scratch, and a demo campaign killed after 46 trials proposed another
// 47th run than the one that was not killed.
#include <gtest/gtest.h>

#include <sstream>

#include "bench_test_support.hpp"
#include "mixbo/gp/gp_model.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/strategy/run_lookup.hpp"

using namespace mixbo;
using mixbo::test::TempDir;
namespace fs = std::filesystem;

namespace {

// seed_noise > 0: runs shifted by their seed, and mfms-bo told so (strategy.run_noise), or
// with measure_noise left to measure it (run_noise = auto).
CampaignConfig config(const fs::path& dir, double seed_noise = 0, bool measure_noise = false) {
  auto cfg = test::demo(dir, "mfms-bo", 0.2);
  cfg.simulator.run_noise = seed_noise;
  cfg.strategy.run_noise =
      measure_noise ? StrategyOptions::kAutoRunNoise : seed_noise / 0.9;  // of a loss near 0.9
  // A smaller design, so that its runs before the repeats cost less than a third of the budget
  // (StrategyOptions::kDesignShare) and a repeat is made.
  if (measure_noise) cfg.strategy.n_init = 3;
  cfg.executor.synchronous = true;  // the order of results does not depend on timing
  // Short fits and searches keep the sanitizer run short.
  cfg.strategy.fit_starts = 4;
  cfg.strategy.raw_samples = 128;
  cfg.strategy.refine_starts = 2;
  return cfg;
}

// At most `passes` loop passes of the campaign in `dir` (-1: to the end), each call with a fresh
// campaign, strategy and executor: what a `mixbo run` after a kill does.
void run(const fs::path& dir, int passes, double seed_noise = 0, bool measure_noise = false) {
  test::run_simulated_loop(config(dir, seed_noise, measure_noise), passes);
}

std::vector<TrialRecord> trials(const fs::path& dir) {
  return load_archive(dir / "campaign.h5").trials;
}

}  // namespace

// Without seed noise, with it declared (strategy.run_noise), and measured from the design's
// repeats (auto): every fit and GP of the resumed strategy must carry the run effect as the
// uninterrupted one's do. One test per case, so that the sanitizer pass can run the one whose
// code the others' is part of (scripts/test.sh: the measured case, the costliest).
namespace resume_decisions_test {

struct NoiseCase {
  const char* name;
  double seed_noise;
  bool measure;
};
void PrintTo(const NoiseCase& c, std::ostream* os) { *os << c.name; }

class ResumedCampaign : public ::testing::TestWithParam<NoiseCase> {};

TEST_P(ResumedCampaign, ProposesWhatTheUninterruptedOneDoes) {
  const auto [name, seed_noise, measure] = GetParam();
  TempDir tmp;
  run(tmp.path / "whole", -1, seed_noise, measure);
  const auto whole = trials(tmp.path / "whole");
  if (measure) {  // the design's repeats were made, so the size was measured
    size_t repeats = 0;
    for (size_t i = 0; i < whole.size(); ++i)
      for (size_t j = 0; j < i; ++j) repeats += same_run(whole[i].point, whole[j].point);
    EXPECT_GE(repeats, 1u);
  }
  // Stopped twice after the design (runs 0-3; with auto the repeats come among the runs the
  // model chooses after it), while the model chooses the runs.
  run(tmp.path / "stopped", 12, seed_noise, measure);
  const auto first = trials(tmp.path / "stopped");
  ASSERT_GT(first.size(), measure ? 8u : 5u);
  ASSERT_LT(first.size(), whole.size());
  EXPECT_FALSE(load_archive(tmp.path / "stopped" / "campaign.h5").strategy_state.empty());
  run(tmp.path / "stopped", 6, seed_noise, measure);
  run(tmp.path / "stopped", -1, seed_noise, measure);
  const auto resumed = trials(tmp.path / "stopped");
  ASSERT_EQ(resumed.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(resumed[i].point.scale, whole[i].point.scale) << "trial " << i;
    EXPECT_EQ(resumed[i].point.steps, whole[i].point.steps) << "trial " << i;
    EXPECT_EQ(resumed[i].point.w, whole[i].point.w) << "trial " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(SeedNoise, ResumedCampaign,
                         ::testing::Values(NoiseCase{"none", 0.0, false},
                                           NoiseCase{"declared", 0.003, false},
                                           NoiseCase{"measured", 0.003, true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace resume_decisions_test

// strategy.answer_modes = transfer: the transfer modes (gp_bo.hpp) are fitted only at a refit, so
// a resumed campaign must restore them to state the answers and values the uninterrupted one
// states. Without them its rounds until the next refit answered from the MAP GP alone.
TEST(ResumeDecisions, AResumedCampaignAnswersFromTheSameModes) {
  TempDir tmp;
  const auto go = [&](const fs::path& dir, int passes) {
    auto cfg = config(dir);
    cfg.strategy.answer_modes = "transfer";
    cfg.seed = 1;  // seed 5 (config's) has no round with a second mode; seed 1 has 7 of 18
    test::run_simulated_loop(cfg, passes);
  };
  go(tmp.path / "whole", -1);
  // Stopped twice while the modes of the fit at round 2 answer (rounds 2-8; the next refit is
  // at round 9).
  go(tmp.path / "stopped", 3);
  go(tmp.path / "stopped", 3);
  go(tmp.path / "stopped", -1);
  const Archive whole = load_archive(tmp.path / "whole" / "campaign.h5");
  const Archive resumed = load_archive(tmp.path / "stopped" / "campaign.h5");
  ASSERT_EQ(resumed.trials.size(), whole.trials.size());
  for (size_t i = 0; i < whole.trials.size(); ++i)
    EXPECT_EQ(resumed.trials[i].point.w, whole.trials[i].point.w) << "trial " << i;
  ASSERT_EQ(resumed.iterations.size(), whole.iterations.size());
  int mixed = 0;  // rounds answered from more than one mode
  for (size_t i = 0; i < whole.iterations.size(); ++i) {
    const auto& a = whole.iterations[i];
    const auto& b = resumed.iterations[i];
    EXPECT_EQ(b.rec_w, a.rec_w) << "round " << i;
    EXPECT_EQ(b.rec_mean, a.rec_mean) << "round " << i;
    EXPECT_EQ(b.rec_lo, a.rec_lo) << "round " << i;
    EXPECT_EQ(b.rec_hi, a.rec_hi) << "round " << i;
    const auto it = a.diagnostics.find("rec.modes");
    if (it != a.diagnostics.end() && it->second > 1) ++mixed;
  }
  EXPECT_GT(mixed, 0) << "no round of this campaign had a second mode: the test proves nothing";
}

// A state saved by another model (here: another kernel) is not restored: the strategy starts
// afresh, as it did before states were saved, instead of reading another model's numbers.
TEST(ResumeDecisions, AStateOfAnotherModelIsIgnored) {
  TempDir tmp;
  auto cfg = config(tmp.path / "c");
  SerialTeam team;
  auto a = make_strategy(cfg.strategy_setup(), team);
  cfg.strategy.kernel = StrategyOptions::kSeparableKernel;
  auto b = make_strategy(cfg.strategy_setup(), team);
  StrategyState foreign;
  foreign.key = "mfms-bo; kernel " + std::string(StrategyOptions::kSeparableKernel);
  foreign.values["theta"] = {1.0, 2.0};
  foreign.values["fit_cost"] = {0.5};
  a->restore_state(foreign);  // another key: ignored
  b->restore_state(foreign);  // its own kernel, but the key names no hyperparameter count
  EXPECT_EQ(a->save_state().values.count("theta"), 0u);
  EXPECT_EQ(b->save_state().values.count("theta"), 0u);
  // A declared run noise is another model: a state fitted without it starts afresh, and one
  // fitted with it is not taken without it.
  auto with_noise = config(tmp.path / "n");
  with_noise.strategy.run_noise = 0.003;
  auto c = make_strategy(with_noise.strategy_setup(), team);
  auto plain = make_strategy(config(tmp.path / "p").strategy_setup(), team);
  EXPECT_NE(c->save_state().key, plain->save_state().key);
  // Without it the key is the one archived before the option existed: those campaigns resume.
  EXPECT_EQ(plain->save_state().key.find("run noise"), std::string::npos);
  // Its own state round-trips.
  StrategyState own = b->save_state();
  KernelContext ctx;
  ctx.k = 5;
  const int params = GpModel::from_expression(cfg.strategy.kernel_expression(), ctx).num_params();
  own.values["theta"] = std::vector<double>(static_cast<size_t>(params), 0.1);
  own.values["fit_cost"] = {0.25};
  own.values["last_recommendation"] = {0.2, 0.2, 0.2, 0.2, 0.2};
  GpOptions linear;  // the trend model (gp_bo.hpp): the kernel with a linear mean
  linear.linear_mean = true;
  const int trend_params =
      GpModel::from_expression(cfg.strategy.kernel_expression(), ctx, linear).num_params();
  own.values["trend_theta"] = std::vector<double>(static_cast<size_t>(trend_params), 0.3);
  own.values["trend_fit_cost"] = {0.25};
  b->restore_state(own);
  const StrategyState back = b->save_state();
  EXPECT_EQ(back.values.at("theta"), own.values.at("theta"));
  EXPECT_EQ(back.values.at("fit_cost"), std::vector<double>{0.25});
  EXPECT_EQ(back.values.at("last_recommendation"), own.values.at("last_recommendation"));
  EXPECT_EQ(back.values.at("trend_theta"), own.values.at("trend_theta"));
  EXPECT_EQ(back.values.at("trend_fit_cost"), std::vector<double>{0.25});
  EXPECT_EQ(back.values.count("trend2_theta"), 0u) << "an expression given: one trend model";
}

// With kernel = auto the value has two trend models (gp_bo.hpp): each one's hyperparameters
// round-trip under its own name.
TEST(ResumeDecisions, EachTrendModelsStateRoundTrips) {
  TempDir tmp;
  const auto cfg = config(tmp.path / "c");
  SerialTeam team;
  auto s = make_strategy(cfg.strategy_setup(), team);
  StrategyState own = s->save_state();
  KernelContext ctx;
  ctx.k = 5;
  GpOptions linear;
  linear.linear_mean = true;
  const auto params = [&](const std::string& kernel, const GpOptions& o) {
    return static_cast<size_t>(GpModel::from_expression(kernel, ctx, o).num_params());
  };
  own.values["theta"] = std::vector<double>(params(cfg.strategy.kernel_expression(), {}), 0.1);
  own.values["fit_cost"] = {0.25};
  const auto trends = cfg.strategy.trend_kernel_expressions();
  ASSERT_EQ(trends.size(), 2u);
  own.values["trend_theta"] = std::vector<double>(params(trends[0], linear), 0.3);
  own.values["trend_fit_cost"] = {0.25};
  own.values["trend2_theta"] = std::vector<double>(params(trends[1], linear), 0.4);
  own.values["trend2_fit_cost"] = {0.5};
  s->restore_state(own);
  const StrategyState back = s->save_state();
  for (const char* key : {"trend_theta", "trend_fit_cost", "trend2_theta", "trend2_fit_cost"})
    EXPECT_EQ(back.values.at(key), own.values.at(key)) << key;
}
