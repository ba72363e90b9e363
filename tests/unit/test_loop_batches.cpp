// How the loop hands a round's jobs to the executor: as one unit (submit_many) exactly when the
// executor says it submits them as one (Executor::submits_as_one, a Slurm job array), else one
// by one. The loop used to decide this itself from executor.type == "slurm" and slurm.array.
#include <gtest/gtest.h>

#include <sstream>

#include "bench_test_support.hpp"

using namespace mixbo;
using mixbo::test::TempDir;
namespace fs = std::filesystem;

namespace {

// The simulated executor, counting how it was asked to submit.
class CountingExecutor final : public SimulatedExecutor {
 public:
  explicit CountingExecutor(bool as_one)
      : SimulatedExecutor(simulated_trial_runner()), as_one_(as_one) {}
  bool submits_as_one() const override { return as_one_; }
  std::string submit(const JobRequest& job) override {
    ++single;
    return SimulatedExecutor::submit(job);
  }
  std::vector<std::string> submit_many(const std::vector<JobRequest>& jobs) override {
    ++batches;
    batched += static_cast<int>(jobs.size());
    return Executor::submit_many(jobs);  // one by one underneath
  }
  int single = 0, batches = 0, batched = 0;

 private:
  bool as_one_;
};

CountingExecutor run_with(bool as_one, const fs::path& dir) {
  const auto cfg = test::demo(dir, "random", 3);  // max_concurrent = 2: rounds of two runs
  SerialTeam team;
  Campaign campaign(cfg);
  auto strategy = make_strategy(cfg.strategy_setup(), team);
  CountingExecutor ex(as_one);
  std::ostringstream sink;
  LoopOptions o;
  o.quiet = true;
  o.out = &sink;
  EXPECT_TRUE(run_loop(campaign, &ex, *strategy, o).finished);
  return ex;
}

}  // namespace

TEST(LoopBatches, SubmitsARoundAsOneWhenTheExecutorDoes) {
  TempDir tmp;
  const auto ex = run_with(true, tmp.path / "as-one");
  EXPECT_GT(ex.batches, 0);
  EXPECT_GE(ex.batched, 2 * ex.batches);  // rounds of one run still go through submit()
}

TEST(LoopBatches, SubmitsOneByOneOtherwise) {
  TempDir tmp;
  const auto ex = run_with(false, tmp.path / "one-by-one");
  EXPECT_EQ(ex.batches, 0);
  EXPECT_GT(ex.single, 1);
}
