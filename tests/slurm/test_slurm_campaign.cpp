// Campaigns through a real single-node Slurm (scripts/slurm-local.sh): munged, slurmctld and
// slurmd started for this test program in their own folder and on their own ports, every trial a
// real sbatch job running mixbo-proxy. Skipped (with the reason) when not root or when the Slurm
// daemons are not installed; CI runs as root with them installed by scripts/install-deps.sh.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "mixbo/exec/subprocess.hpp"
#include "mixbo/io/archive.hpp"
#include "run_command.hpp"

namespace fs = std::filesystem;
using namespace mixbo;
using mixbo::test::run_command;

namespace {

const std::string kScript = std::string(MIXBO_SOURCE_DIR) + "/scripts/slurm-local.sh";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class RealSlurm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_ = "not root: scripts/slurm-local.sh needs root to run munged, slurmctld and slurmd";
      return;
    }
    for (const char* p : {"/usr/sbin/slurmctld", "/usr/sbin/slurmd"})
      if (!fs::exists(p)) skip_ = std::string(p) + " missing (scripts/install-deps.sh installs it)";
    if (find_program("sbatch").empty()) skip_ = "sbatch missing (slurm-client)";
    if (!skip_.empty()) return;
    // Our own folder and ports: a user's cluster (or another test program's) stays untouched.
    const int pid = static_cast<int>(::getpid());
    root_ = "/tmp/mixbo-slurm-test-" + std::to_string(pid);
    const int port = 17000 + 2 * (pid % 1000);
    ::setenv("MIXBO_SLURM_ROOT", root_.c_str(), 1);
    ::setenv("MIXBO_SLURM_CTLD_PORT", std::to_string(port).c_str(), 1);
    ::setenv("MIXBO_SLURM_D_PORT", std::to_string(port + 1).c_str(), 1);
    ::setenv("SLURM_CONF", (root_ + "/etc/slurm.conf").c_str(), 1);
    const auto t0 = std::chrono::steady_clock::now();
    start_ = run_command("bash " + kScript + " start");
    std::cout << "slurm-local.sh start: " << seconds_since(t0) << " s\n";
  }

  static void TearDownTestSuite() {
    if (root_.empty()) return;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_command("bash " + kScript + " stop");
    std::cout << "slurm-local.sh stop: " << seconds_since(t0) << " s (exit " << r.exit_code
              << ")\n";
    if (r.exit_code == 0) fs::remove_all(root_);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(start_.exit_code, 0) << "scripts/slurm-local.sh start failed:\n" << start_.output;
    char tmpl[] = "/tmp/mixbo-slurm-campaign-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  // A campaign of `n` trials: one scale, one step budget, each trial costs exactly 1.
  fs::path write_config(const std::string& name, int n, double sleep_per_cost,
                        const std::string& more = "") {
    const fs::path file = dir_ / (name + ".ini");
    std::ofstream(file) << "[campaign]\nname = " << name << "\nseed = 11\nbudget = " << n
                        << "\nworkdir = " << (dir_ / name).string()
                        << "\n[space]\ndomains = web, code, books\n"
                           "[scales]\nnames = 20M\nstep_costs = 1\ntarget = 20M\n"
                           "[steps]\ninterval = 100\nmax = 1000\nbudgets = 1000\n"
                           "[objective]\nmetric = web_CE\n"
                           "[executor]\ntype = slurm\nmax_concurrent = 4\npoll_seconds = 0.3\n"
                           "[simulator]\ntype = bimix\nsleep_per_cost = "
                        << sleep_per_cost
                        << "\n[slurm]\ntime = 00:05:00\n[strategy]\ntype = random\n"
                        << more;
    return file;
  }

  static std::string mixbo() { return mixbo::test::mixbo_binary(); }

  // Slurm jobs the controller knows, by job name (MinJobAge=3600 keeps finished ones).
  static std::map<std::string, int> jobs_by_name() {
    const auto r = run_command("scontrol -o show job");
    std::map<std::string, int> n;
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) {
      const auto p = line.find(" JobName=");
      if (p == std::string::npos) continue;
      const auto e = line.find(' ', p + 9);
      ++n[line.substr(p + 9, e - p - 9)];
    }
    return n;
  }

  // Every trial done on its first attempt, its full curve archived exactly once.
  static void expect_complete(const Archive& a, int n) {
    ASSERT_EQ(static_cast<int>(a.trials.size()), n);
    std::set<std::string> ids;
    for (const auto& t : a.trials) {
      EXPECT_EQ(t.state, TrialState::Done) << t.id << ": " << t.reason;
      EXPECT_EQ(t.attempt, 1) << t.id;
      EXPECT_FALSE(t.job_id.empty()) << t.id;
      EXPECT_TRUE(ids.insert(t.job_id).second) << "job id " << t.job_id << " used twice";
    }
    std::map<std::int64_t, std::set<std::int64_t>> steps;
    for (size_t i = 0; i < a.observations.size(); ++i)
      EXPECT_TRUE(steps[a.observations.trial[i]].insert(a.observations.step[i]).second)
          << "observation (trial " << a.observations.trial[i] << ", step " << a.observations.step[i]
          << ") archived twice";
    for (int t = 0; t < n; ++t) EXPECT_EQ(steps[t].size(), 10u) << "trial row " << t;
  }

  static inline std::string skip_, root_;
  static inline test::CommandResult start_;
  fs::path dir_;
};

TEST_F(RealSlurm, CampaignOfTwelveTrialsThroughSbatch) {
  const auto cfg = write_config("slurm12", 12, 0.5);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_command(mixbo() + " run --quiet " + cfg.string());
  const double s = seconds_since(t0);
  std::cout << "12-trial campaign through sbatch: " << s << " s\n";
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("campaign finished: 12 trials (12 done, 0 failed)"), std::string::npos)
      << r.output;
  const Archive a = load_archive(dir_ / "slurm12" / "campaign.h5");
  expect_complete(a, 12);
  // Each trial is exactly one Slurm job, known to Slurm under the trial's job name.
  const auto jobs = jobs_by_name();
  for (const auto& t : a.trials) {
    const std::string name = "mixbo-slurm12-" + a.instance + "-" + t.id;
    EXPECT_EQ(jobs.count(name) ? jobs.at(name) : 0, 1) << name;
    EXPECT_EQ(t.job_id.find('_'), std::string::npos);
    EXPECT_TRUE(fs::exists(dir_ / "slurm12" / "trials" / t.id / "result.h5")) << t.id;
  }
  // `mixbo status` reads the same archive.
  const auto st = run_command(mixbo() + " status " + cfg.string());
  EXPECT_EQ(st.exit_code, 0) << st.output;
}

TEST_F(RealSlurm, JobArraySubmission) {
  const auto cfg = write_config("slurmarr", 12, 0.3);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_command(
      mixbo() + " run --quiet --slurm.array=true --executor.max_concurrent=6 " + cfg.string());
  std::cout << "12-trial campaign as job arrays: " << seconds_since(t0) << " s\n";
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Archive a = load_archive(dir_ / "slurmarr" / "campaign.h5");
  expect_complete(a, 12);
  // Rounds of several trials went out as arrays ("<array>_<task>"), the first round as one
  // array of 6; a round of one trial is a plain job under the trial's own name.
  std::map<long, std::set<std::string>> arrays;  // by array job id: the first one first
  const auto jobs = jobs_by_name();
  int tasks = 0;
  for (const auto& t : a.trials) {
    const std::string own_name = "mixbo-slurmarr-" + a.instance + "-" + t.id;
    const auto u = t.job_id.find('_');
    if (u == std::string::npos) {
      EXPECT_EQ(jobs.count(own_name) ? jobs.at(own_name) : 0, 1) << t.id;
      continue;
    }
    ++tasks;
    arrays[std::stol(t.job_id.substr(0, u))].insert(t.job_id.substr(u + 1));
    EXPECT_EQ(jobs.count(own_name), 0u) << t.id << " ran as a job of its own too";
  }
  EXPECT_GE(tasks, 8);
  ASSERT_FALSE(arrays.empty());
  EXPECT_EQ(arrays.begin()->second, (std::set<std::string>{"0", "1", "2", "3", "4", "5"}));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(a.trials[static_cast<size_t>(i)].job_id,
              std::to_string(arrays.begin()->first) + "_" + std::to_string(i));
}

TEST_F(RealSlurm, ControllerRestartMidCampaignLosesAndDuplicatesNothing) {
  // Well above the ~9 s the Slurm commands wait for the controller themselves: under load (a
  // fresh-clone CI beside a benchmark, session 11) a command's own wait stretched past a 14 s
  // outage, rode it out, and the driver never had to retry.
  constexpr int kOutage = 24;
  const auto cfg = write_config("slurmctld", 12, 0.5);
  const auto t0 = std::chrono::steady_clock::now();
  test::CommandResult run;
  std::thread driver([&] { run = run_command(mixbo() + " run --quiet " + cfg.string()); });
  // Wait until the campaign has jobs in Slurm, then take the controller away for longer than
  // the Slurm commands wait for it themselves (about 9 s here), so that mixbo's retries must
  // carry the campaign through.
  bool seen = false;
  for (int i = 0; i < 300 && !seen; ++i) {
    for (const auto& [name, count] : jobs_by_name())
      if (name.rfind("mixbo-slurmctld-", 0) == 0) seen = true;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(seen) << "no job of the campaign reached Slurm";
  const auto stop = run_command("bash " + kScript + " ctld-stop");
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  const double stopped_at = seconds_since(t0);
  std::this_thread::sleep_for(std::chrono::seconds(kOutage));
  const auto start = run_command("bash " + kScript + " ctld-start");
  EXPECT_EQ(start.exit_code, 0) << start.output;
  driver.join();
  std::cout << "12-trial campaign with slurmctld down from " << stopped_at << " s for " << kOutage
            << " s: " << seconds_since(t0) << " s\n";
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The outage was seen (and ridden out) by the driver, not slipped through between polls.
  EXPECT_NE(run.output.find("retrying"), std::string::npos) << run.output;
  const Archive a = load_archive(dir_ / "slurmctld" / "campaign.h5");
  expect_complete(a, 12);
  const auto jobs = jobs_by_name();
  for (const auto& t : a.trials) {
    const std::string name = "mixbo-slurmctld-" + a.instance + "-" + t.id;
    EXPECT_EQ(jobs.count(name) ? jobs.at(name) : 0, 1) << name << " ran more or less than once";
  }
}

TEST_F(RealSlurm, DriverKilledAndRestartedAdoptsItsJobsAndArrays) {
  // kill -9 of `mixbo run` at several moments (arrays and single jobs in flight); each restart
  // must find what the dead driver had submitted (by job name, arrays by their task list) and
  // neither lose a trial nor send one to Slurm twice.
  const auto cfg = write_config("slurmkill", 12, 1.0);
  const std::string run = mixbo() + " run --quiet --slurm.array=true " + cfg.string();
  const auto t0 = std::chrono::steady_clock::now();
  int kills = 0;
  for (double after : {2.0, 3.5, 1.2, 2.5}) {
    const auto r = run_command("bash -c 'exec " + run + " >>" + (dir_ / "driver.log").string() +
                               " 2>&1 & echo $!'");
    const pid_t pid = static_cast<pid_t>(std::stol(r.output));
    std::this_thread::sleep_for(std::chrono::duration<double>(after));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    // Gone (or a zombie of init) before the next driver starts.
    for (int i = 0; i < 100; ++i) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string pid_s, comm, state;
      if (!(stat >> pid_s >> comm >> state) || state == "Z") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const auto last = run_command(run);
  std::cout << "12-trial array campaign with " << kills
            << " kill -9 of the driver: " << seconds_since(t0) << " s\n";
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_GE(kills, 3);
  const Archive a = load_archive(dir_ / "slurmkill" / "campaign.h5");
  expect_complete(a, 12);
  // Every Slurm job (array task or single job) of this campaign ran one trial: 12 in all.
  int slurm_jobs = 0;
  for (const auto& [name, count] : jobs_by_name())
    if (name.rfind("mixbo-slurmkill-", 0) == 0) slurm_jobs += count;
  EXPECT_EQ(slurm_jobs, 12);
  int adopted = 0;
  for (const auto& e : a.events) adopted += e.reason.find("adopted") != std::string::npos;
  std::cout << "jobs adopted after a restart: " << adopted << "\n";
}

TEST_F(RealSlurm, FailedJobsAreRecordedWithTheirSlurmState) {
  // A training command that exits 3: Slurm says FAILED with exit code 3, each trial is retried
  // once (max_attempts 2) and then stays failed with that reason; failed trials cost nothing,
  // so the campaign ends by the failure stop (executor.stop_after_failures), naming the cause.
  const auto cfg = write_config("slurmfail", 2, 0,
                                "[job]\ntemplate = " + std::string(MIXBO_SOURCE_DIR) +
                                    "/jobs/train.sbatch.in\ncommand = exit 3\n");
  const auto r = run_command(mixbo() + " run --quiet " + cfg.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("jobs in a row failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("most frequent reason"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": FAILED (exit code 3)"), std::string::npos) << r.output;
  const Archive a = load_archive(dir_ / "slurmfail" / "campaign.h5");
  ASSERT_GE(a.trials.size(), 2u) << r.output;
  int failed = 0;
  for (const auto& t : a.trials) {
    EXPECT_NE(t.state, TrialState::Done) << t.id;
    if (t.state != TrialState::Failed) continue;
    ++failed;
    EXPECT_EQ(t.attempt, 2) << t.id;
    EXPECT_NE(t.reason.find("FAILED (exit code 3)"), std::string::npos) << t.id << ": " << t.reason;
  }
  EXPECT_GE(failed, 2);
}

TEST_F(RealSlurm, CancelScancelsRunningAndPendingJobs) {
  // Jobs that would run for a minute: `mixbo cancel` asks the driver, which scancels them all.
  const auto cfg = write_config("slurmcancel", 4, 60.0);
  test::CommandResult run;
  std::thread driver([&] { run = run_command(mixbo() + " run --quiet " + cfg.string()); });
  auto campaign_jobs = [] {
    int n = 0;
    const auto r = run_command("squeue -h -o %j");
    std::istringstream in(r.output);
    std::string name;
    while (in >> name) n += name.rfind("mixbo-slurmcancel-", 0) == 0;
    return n;
  };
  int queued = 0;
  for (int i = 0; i < 200 && queued < 4; ++i) {
    queued = campaign_jobs();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(queued, 4);
  const auto c = run_command(mixbo() + " cancel " + cfg.string());
  EXPECT_EQ(c.exit_code, 0) << c.output;
  driver.join();
  EXPECT_NE(run.output.find("campaign cancelled"), std::string::npos) << run.output;
  int left = 1;
  for (int i = 0; i < 100 && left > 0; ++i) {
    left = campaign_jobs();
    if (left) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(left, 0) << "jobs still in squeue after mixbo cancel";
  const Archive a = load_archive(dir_ / "slurmcancel" / "campaign.h5");
  ASSERT_EQ(a.trials.size(), 4u);
  for (const auto& t : a.trials) EXPECT_EQ(t.state, TrialState::Cancelled) << t.id;
}

}  // namespace
