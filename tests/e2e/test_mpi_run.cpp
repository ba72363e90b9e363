// Whole programs under mpiexec: `mpiexec -n 2 mixbo run` proposes exactly what a one-rank run
// proposes, and a worker fault ends every rank within seconds with the error printed by rank 0
// and a non-zero exit code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "mixbo/io/archive.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

std::string config_text(const fs::path& workdir, const std::string& strategy,
                        const std::string& acquisition = "target-ei-per-cost") {
  return "[campaign]\nname = mpirun\nseed = 3\nbudget = 0.08\nworkdir = " + workdir.string() +
         "\n[space]\ndomains = web, code, books, math\n[objective]\nmetric = web_CE\n"
         "[executor]\ntype = simulated\nmax_concurrent = 3\n[simulator]\ntype = bimix\n"
         "[strategy]\ntype = " +
         strategy + "\nn_init = 4\nfit_starts = 8\nacquisition = " + acquisition + "\n";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

namespace {

// Runs one campaign at one rank and at two; every proposal must be the same to the bit.
void expect_two_ranks_propose_what_one_rank_proposes(const std::string& tag,
                                                     const std::string& acquisition) {
  const fs::path dir = test::scratch_dir("mpi-run", tag);
  // The BO strategy is what the ranks share work for; fall back to random search while the
  // build has no BO strategy (the run must still start, finish and shut its ranks down).
  std::string strategy = "mfms-bo";
  const fs::path probe = dir / "probe.ini";
  std::ofstream(probe) << config_text(dir / "probe", strategy);
  const auto p = test::run_command(test::mixbo_binary() + " run --dry-run -q " + probe.string());
  if (p.exit_code != 0 && p.output.find("not available in this build") != std::string::npos)
    strategy = "random";

  const fs::path one = dir / "one.ini", two = dir / "two.ini";
  std::ofstream(one) << config_text(dir / "one", strategy, acquisition);
  std::ofstream(two) << config_text(dir / "two", strategy, acquisition);
  const auto a = test::run_command(test::mixbo_binary() + " run -q " + one.string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto t0 = std::chrono::steady_clock::now();
  const auto b =
      test::run_command(test::mpiexec(2) + test::mixbo_binary() + " run -q " + two.string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_LT(seconds_since(t0), 300.0);
  // Only rank 0 prints: the report appears once, as in the one-rank run (archive path aside).
  std::string a_out = a.output;
  for (size_t at; (at = a_out.find("/one/")) != std::string::npos;) a_out.replace(at, 5, "/two/");
  EXPECT_EQ(a_out, b.output) << "strategy " << strategy;

  const Archive x = load_archive(dir / "one" / "campaign.h5");
  const Archive y = load_archive(dir / "two" / "campaign.h5");
  ASSERT_GE(x.trials.size(), 4u);
  if (strategy == "mfms-bo") {
    EXPECT_GT(x.trials.size(), 4u) << "no BO round after n_init";
  }
  ASSERT_EQ(x.trials.size(), y.trials.size());
  for (size_t i = 0; i < x.trials.size(); ++i) {
    const auto &u = x.trials[i].point, &v = y.trials[i].point;
    EXPECT_EQ(u.w, v.w) << "trial " << i;  // bitwise: same doubles
    EXPECT_EQ(u.scale, v.scale) << "trial " << i;
    EXPECT_EQ(u.steps, v.steps) << "trial " << i;
    EXPECT_EQ(x.trials[i].iteration, y.trials[i].iteration) << "trial " << i;
  }
  EXPECT_EQ(x.observations.value, y.observations.value);
}

}  // namespace

TEST(MpiRun, TwoRanksProposeWhatOneRankProposes) {
  expect_two_ranks_propose_what_one_rank_proposes("same", "target-ei-per-cost");
}

// mes-per-cost carries its samples of f* to the worker ranks in the serialised spec.
TEST(MpiRun, TwoRanksProposeWhatOneRankProposesUnderMaxValueEntropy) {
  expect_two_ranks_propose_what_one_rank_proposes("same-mes", "mes-per-cost");
}

TEST(MpiRun, BadConfigUnderMpiexecFailsAndPrintsOnce) {
  const fs::path dir = test::scratch_dir("mpi-run", "bad");
  const fs::path cfg = dir / "bad.ini";
  std::ofstream(cfg) << config_text(dir / "w", "random") << "[executor]\nbogus = 1\n";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      test::run_command(test::mpiexec(2) + test::mixbo_binary() + " run " + cfg.string());
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(seconds_since(t0), 60.0);
  // Printed once, by rank 0.
  const auto first = r.output.find("mixbo run:");
  ASSERT_NE(first, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("mixbo run:", first + 1), std::string::npos) << r.output;
}

// tests/mpi/test_mpi_team.cpp --fault-child: a worker throws at a task.
void expect_fault_shutdown(int np) {
  const std::string child = std::string(MIXBO_BINARY_DIR) + "/tests/test_mpi_team";
  ASSERT_TRUE(fs::exists(child)) << child << " is not built";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      test::run_command((np > 0 ? test::mpiexec(np) : std::string()) + child + " --fault-child");
  const double secs = seconds_since(t0);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(secs, 30.0) << r.output;
  EXPECT_EQ(r.output.find("no error"), std::string::npos) << r.output;
  const std::string head = "fault-child: error: multi-start problem 'test-faulty': task ";
  const auto at = r.output.find(head);
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(head, at + 1), std::string::npos) << "printed twice:\n" << r.output;
  const std::string rest = r.output.substr(at + head.size());
  const auto on = rest.find(" failed on rank ");
  ASSERT_NE(on, std::string::npos) << r.output;
  EXPECT_GE(std::stoi(rest.substr(0, on)), 3) << r.output;  // tasks from 3 on throw
  const int rank = std::stoi(rest.substr(on + 16));
  if (np <= 1) {
    EXPECT_EQ(rank, 0) << r.output;
  } else {
    EXPECT_GE(rank, 1) << r.output;
    EXPECT_LT(rank, np) << r.output;
  }
  EXPECT_NE(rest.find(": injected fault"), std::string::npos) << r.output;
}

TEST(MpiRun, WorkerFaultWithoutMpiexec) { expect_fault_shutdown(0); }
TEST(MpiRun, WorkerFaultAtTwoRanks) { expect_fault_shutdown(2); }
TEST(MpiRun, WorkerFaultAtFourRanks) { expect_fault_shutdown(4); }

}  // namespace
