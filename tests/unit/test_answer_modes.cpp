// strategy.answer_modes (gp_bo.hpp): with "transfer" the answers come from the decision GP and
// its transfer modes, while the acquisition and its target point stay the MAP GP's. So a
// campaign runs exactly the runs of answer_modes = map, and only its answers differ, in the
// rounds where a second mode has weight.
#include <gtest/gtest.h>

#include "bench_test_support.hpp"
#include "mixbo/io/archive.hpp"

using namespace mixbo;
using mixbo::test::TempDir;
namespace fs = std::filesystem;

namespace {

Archive campaign(const fs::path& dir, const std::string& modes) {
  auto cfg = test::demo(dir, "mfms-bo", 0.2);
  cfg.seed = 1;  // a campaign with a second mode in rounds 2-8 (test_resume_decisions.cpp)
  cfg.executor.synchronous = true;
  cfg.strategy.fit_starts = 4;
  cfg.strategy.raw_samples = 128;
  cfg.strategy.refine_starts = 2;
  cfg.strategy.answer_modes = modes;
  test::run_simulated_loop(cfg);
  return load_archive(dir / "campaign.h5");
}

}  // namespace

TEST(AnswerModes, TransferModesChangeTheAnswersAndNotTheRuns) {
  TempDir tmp;
  const Archive map = campaign(tmp.path / "map", "map");
  const Archive transfer = campaign(tmp.path / "transfer", "transfer");
  ASSERT_EQ(transfer.trials.size(), map.trials.size());
  for (size_t i = 0; i < map.trials.size(); ++i) {
    EXPECT_EQ(transfer.trials[i].point.w, map.trials[i].point.w) << "trial " << i;
    EXPECT_EQ(transfer.trials[i].point.scale, map.trials[i].point.scale) << "trial " << i;
    EXPECT_EQ(transfer.trials[i].point.steps, map.trials[i].point.steps) << "trial " << i;
  }
  ASSERT_EQ(transfer.iterations.size(), map.iterations.size());
  int mixed = 0, differ = 0;
  for (size_t i = 0; i < map.iterations.size(); ++i) {
    const auto& a = map.iterations[i];
    const auto& b = transfer.iterations[i];
    EXPECT_EQ(a.diagnostics.count("rec.modes"), 0u) << "map fits no transfer mode";
    const auto modes = b.diagnostics.find("rec.modes");
    const auto map_weight = b.diagnostics.find("rec.map_weight");
    const bool map_alone = modes == b.diagnostics.end() || map_weight->second == 1.0;
    mixed += !map_alone;
    if (map_alone) {  // the MAP GP's answer and value
      EXPECT_EQ(b.rec_w, a.rec_w) << "round " << i;
      EXPECT_EQ(b.rec_mean, a.rec_mean) << "round " << i;
    } else if (b.rec_w != a.rec_w || b.rec_mean != a.rec_mean) {
      ++differ;
    }
  }
  EXPECT_GT(mixed, 0);
  EXPECT_GT(differ, 0) << "the modes never changed an answer: the test proves nothing";
}
