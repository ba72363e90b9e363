// The real training example (examples/tiny-lm) end to end, at smoke-test size: prepare.py
// builds a tiny slice of the four Debian text domains, and `mixbo run` of the example's own
// campaign file (local executor) trains the smallest model for 20 steps with train.py. Needs
// PyTorch (python3-torch); skips with a message when it is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "e2e_campaign.hpp"
#include "mixbo/io/archive.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

const fs::path kExample = fs::path(MIXBO_SOURCE_DIR) / "examples" / "tiny-lm";

bool have_torch() {
  return test::run_command("/usr/bin/python3 -c 'import torch, h5py, numpy'").exit_code == 0;
}

#define SKIP_WITHOUT_TORCH()                                                                    \
  if (!have_torch())                                                                            \
  GTEST_SKIP() << "python3-torch is not installed: the tiny-lm example is not tested "          \
                  "(MIXBO_WITH_TORCH=1 scripts/install-deps.sh or examples/tiny-lm/prepare.sh " \
                  "installs it)"

// The tiny slice, built once per test program.
const fs::path& tiny_data() {
  static const fs::path dir = [] {
    const auto d = test::scratch_dir("tinylm", "data");
    const auto r = test::run_command("/usr/bin/python3 " + (kExample / "prepare.py").string() +
                                     " --tiny --out " + d.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return d;
  }();
  return dir;
}

}  // namespace

TEST(TinyLm, CampaignTrainsTheSmallestModelThroughMixboRun) {
  SKIP_WITHOUT_TORCH();
  const auto data = tiny_data();
  ASSERT_TRUE(fs::exists(data / "manifest.json"));
  const auto work = test::scratch_dir("tinylm", "run");
  // The example's campaign file as shipped; only the size is cut down: the smallest model as
  // target, 20 steps, two random-search runs (every step cost 1, budget 2 full runs).
  const auto r =
      test::mixbo("TINYLM_DATA=" + data.string(),
                  "run --quiet " + (kExample / "campaign.ini").string() +
                      " --campaign.workdir=" + work.string() +
                      " --campaign.budget=2 --scales.target=35K --scales.step_costs=1,1,1,1"
                      " --steps.max=20 --steps.interval=10"
                      " --steps.budgets=20 --strategy.type=random --executor.poll_seconds=0.1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Archive a = load_archive(work / "campaign.h5");
  ASSERT_EQ(a.trials.size(), 2u);
  for (const auto& t : a.trials) EXPECT_EQ(t.state, TrialState::Done) << t.id << ": " << t.reason;
  // Two checkpoints per run (steps 10 and 20), each with the four domains' losses; the objective
  // is their mean, and a byte-level model starts near ln 256 = 5.55 nats and goes down.
  ASSERT_EQ(a.observations.size(), 4u);
  ASSERT_EQ(a.observations.metric_names.size(), 4u);
  for (size_t i = 0; i < a.observations.size(); ++i) {
    double sum = 0;
    for (const auto& m : a.observations.metric) {
      EXPECT_TRUE(std::isfinite(m[i]));
      EXPECT_GT(m[i], 0.5);
      EXPECT_LT(m[i], 6.5);
      sum += m[i];
    }
    EXPECT_NEAR(a.observations.value[i], sum / 4, 1e-9);
    EXPECT_EQ(a.observations.step[i], i % 2 == 0 ? 10 : 20);
  }
  for (size_t i = 0; i < a.observations.size(); i += 2)
    EXPECT_LT(a.observations.value[i + 1], a.observations.value[i]) << "no learning in 20 steps";
}

TEST(TinyLm, BadRunIsRefusedWithItsReason) {
  SKIP_WITHOUT_TORCH();
  const auto data = tiny_data();
  const auto dir = test::scratch_dir("tinylm", "bad");
  const std::string env =
      "MIXBO_DOMAINS=c_headers,python MIXBO_MIXTURE=0.5,0.5 MIXBO_STEPS=10 "
      "MIXBO_CHECKPOINT_INTERVAL=5 MIXBO_SEED=1 MIXBO_METRICS=python_CE MIXBO_TRIAL_ID=t0001 "
      "MIXBO_RESULT=" +
      (dir / "result.h5").string() + " TINYLM_DATA=" + data.string() + " ";
  const std::string train = "/usr/bin/python3 " + (kExample / "train.py").string();
  auto r = test::run_command(env + "MIXBO_SCALE=1B " + train);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("$MIXBO_SCALE = '1B' is not one of 35K"), std::string::npos) << r.output;
  r = test::run_command(env + "MIXBO_SCALE=35K MIXBO_DOMAINS=c_headers,web " + train);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("domain 'web' of $MIXBO_DOMAINS has no data"), std::string::npos)
      << r.output;
  r = test::run_command(env + "MIXBO_SCALE=35K " + train + " --data " + dir.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("run examples/tiny-lm/prepare.sh first"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "result.h5"));
}
