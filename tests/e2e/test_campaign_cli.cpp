// The campaign commands on real local-executor campaigns: `run --dry-run` writes scripts and
// submits nothing, `run --json` prints JSON lines, `status` prints the trial table, `cancel`
// stops the jobs (their whole process groups) and records it, `import` adds outside runs, and
// a Python training script writing result.h5 with h5py (the README's recipe) drives a campaign.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "e2e_campaign.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"

using namespace mixbo;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kRandom = "[strategy]\ntype = random\n";

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

// Waits until the archive shows `n` trials running; false after `timeout_s`.
bool wait_running(const fs::path& archive, int n, double timeout_s = 20) {
  for (auto until = Clock::now() + std::chrono::duration<double>(timeout_s);
       Clock::now() < until;) {
    try {
      if (fs::exists(archive)) {
        const Archive a = load_archive(archive);
        int running = 0;
        for (const auto& t : a.trials) running += t.state == TrialState::Running;
        if (running >= n) return true;
      }
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Process groups of the local executor's jobs (from <workdir>/local/<job>/pid, where the group
// is 0 for a moment after the job is seen running: wait for it).
std::vector<pid_t> job_groups(const fs::path& workdir) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator(workdir / "local")) {
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(e.path() / "pid");
      pid_t sup = 0, group = 0;
      if (in >> sup >> group && group > 0) {
        out.push_back(group);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return out;
}

bool group_alive(pid_t pgid) {
  // Zombies still count for kill(); look for a live member in /proc instead.
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') return true;
  }
  return false;
}

void expect_all_cancelled(const test::E2eCampaign& c, int n) {
  const Archive a = load_archive(c.archive());
  int cancelled = 0;
  for (const auto& t : a.trials) {
    if (t.state != TrialState::Cancelled) continue;
    ++cancelled;
    EXPECT_EQ(t.reason, "cancelled by mixbo cancel");
  }
  EXPECT_EQ(cancelled, n);
  const auto groups = job_groups(c.workdir());
  EXPECT_EQ(groups.size(), static_cast<size_t>(n));
  for (pid_t g : groups) {
    bool alive = true;
    for (int i = 0; i < 200 && (alive = group_alive(g)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    EXPECT_FALSE(alive) << "job process group " << g << " survived the cancel";
  }
}

}  // namespace

TEST(CampaignCli, DryRunWritesScriptsAndSubmitsNothing) {
  const auto c = test::make_e2e_campaign("dry", kRandom);
  const auto r = test::mixbo("", "run --dry-run " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dry run: wrote 2 job script(s), submitted nothing"), std::string::npos)
      << r.output;
  for (const char* t : {"t0001", "t0002"}) {
    const auto script = c.workdir() / "trials" / t / "job.sbatch";
    ASSERT_TRUE(fs::exists(script)) << script;
    EXPECT_TRUE(fs::exists(c.workdir() / "trials" / t / "params.ini"));
    std::ifstream in(script);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // mixbo-<campaign>-<instance id>-<trial>
    const auto params = read_params(c.workdir() / "trials" / t / "params.ini");
    EXPECT_EQ(params.instance.size(), 8u);
    EXPECT_NE(text.find("#SBATCH --job-name=mixbo-dry-" + params.instance + "-" + t),
              std::string::npos);
    EXPECT_EQ(test::run_command("bash -n " + script.string()).exit_code, 0);
    EXPECT_FALSE(fs::exists(c.workdir() / "trials" / t / "stdout")) << "a job ran";
  }
  EXPECT_FALSE(fs::exists(c.archive())) << "a dry run records nothing";
  EXPECT_FALSE(fs::exists(c.workdir() / "local")) << "a dry run starts no executor";
  // As JSON: one object naming the scripts.
  const auto j = test::mixbo("", "run --dry-run --json " + c.config.string());
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const auto lines = lines_of(j.output);
  ASSERT_EQ(lines.size(), 1u) << j.output;
  const auto doc = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(doc["event"], "dry-run");
  EXPECT_EQ(doc["scripts"].size(), 2u);
  EXPECT_FALSE(fs::exists(c.archive()));
}

TEST(CampaignCli, JsonLinesParse) {
  const auto c = test::make_e2e_campaign("json", kRandom);
  const auto r = test::run_command("{ " + test::mixbo_binary() + " run --json " +
                                   c.config.string() + " 2>/dev/null; }");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_GE(lines.size(), 2u);
  int progress = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(lines[i])) << lines[i];
    if (i + 1 < lines.size()) {
      EXPECT_EQ(j["event"], "progress") << lines[i];
      EXPECT_EQ(j["campaign"], "json");
      EXPECT_TRUE(j["trials"].contains("running"));
      EXPECT_EQ(j["budget"], 3.0);
      ++progress;
    }
  }
  EXPECT_GE(progress, 1);
  const auto last = nlohmann::json::parse(lines.back());
  EXPECT_EQ(last["event"], "finished");
  EXPECT_EQ(last["trials"]["total"], 3);
  EXPECT_EQ(last["trials"]["done"], 3);
  EXPECT_EQ(last["spent"], 3.0);
  ASSERT_TRUE(last["recommendation"]["valid"].get<bool>());
  double sum = 0;
  for (const char* d : {"web", "code", "books"})
    sum += last["recommendation"]["mixture"][d].get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(last["recommendation"]["scale"], "1B");
  // Running a finished campaign again changes nothing and says so.
  const auto again = test::mixbo("", "run --quiet " + c.config.string());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("campaign finished: 3 trials (3 done, 0 failed)"), std::string::npos)
      << again.output;
}

TEST(CampaignCli, StatusTable) {
  const auto c = test::make_e2e_campaign("status", kRandom + "\n[slurm]\ntime = 10\n");
  ASSERT_EQ(test::mixbo("MIXBO_PROXY_FAULT=fail MIXBO_PROXY_FAULT_TRIALS=t0002",
                        "run --quiet " + c.config.string())
                .exit_code,
            0);
  for (const auto& target : {c.config.string(), c.workdir().string()}) {
    const auto r = test::mixbo("", "status " + target);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = lines_of(r.output);
    std::vector<std::string> rows;
    std::string header;
    for (const auto& l : lines) {
      if (l.rfind("id ", 0) == 0) header = l;
      if (l.rfind("t000", 0) == 0) rows.push_back(l);
    }
    for (const char* col : {"mixture", "scale", "steps", "state", "job id", "cost", "result"})
      EXPECT_NE(header.find(col), std::string::npos) << col << "\n" << r.output;
    // The failed trial costs nothing (README "Budget"): random makes a fourth run instead.
    ASSERT_EQ(rows.size(), 4u) << r.output;
    EXPECT_NE(rows[0].find("done"), std::string::npos) << rows[0];
    const std::string instance = load_archive(c.archive()).instance;
    EXPECT_NE(rows[0].find("mixbo-status-" + instance + "-t0001.1"), std::string::npos) << rows[0];
    EXPECT_NE(rows[0].find("1B"), std::string::npos) << rows[0];
    EXPECT_NE(rows[0].find("@1000"), std::string::npos) << rows[0];  // last checkpoint
    EXPECT_NE(rows[1].find("failed#2"), std::string::npos) << rows[1];
    EXPECT_NE(rows[1].find("exit code 1"), std::string::npos) << rows[1];
    EXPECT_NE(r.output.find("4 trials, 30 observations, cost spent 3.000"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("recommendation (round"), std::string::npos) << r.output;
  }
  const auto j = test::mixbo("", "status --json " + c.workdir().string());
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const auto doc = nlohmann::json::parse(j.output);
  ASSERT_EQ(doc["trials"].size(), 4u);
  EXPECT_EQ(doc["trials"][1]["state"], "failed");
  EXPECT_EQ(doc["trials"][1]["attempt"], 2);
  EXPECT_EQ(doc["trials"][0]["result"]["step"], 1000);
  EXPECT_TRUE(doc["recommendation"]["valid"].get<bool>());
  // What the value rests on: the three full-length 1B runs (the failed one reported nothing),
  // and random recommends one of them, so one is at the recommended mixture.
  const auto& basis = doc["recommendation"]["basis"];
  EXPECT_EQ(basis["largest_scale"], "1B") << basis;
  EXPECT_EQ(basis["target_runs"], 3) << basis;
  EXPECT_EQ(basis["run_at_mixture"].get<std::string>().rfind("t000", 0), 0u) << basis;
  // A folder without a campaign is an error naming it.
  const auto none = test::mixbo("", "status " + c.dir.string());
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("campaign.h5"), std::string::npos) << none.output;
}

// `mixbo cancel` while `mixbo run` drives the campaign: the driver is asked, cancels the jobs
// (their whole process groups), records it and stops.
TEST(CampaignCli, CancelWhileRunning) {
  const auto c =
      test::make_e2e_campaign("cancel-live", kRandom + "\n[simulator]\nsleep_per_cost = 60\n");
  const pid_t driver = test::spawn_mixbo({"run", c.config.string()}, c.dir / "driver.log");
  ASSERT_TRUE(wait_running(c.archive(), 2));
  for (pid_t g : job_groups(c.workdir())) EXPECT_TRUE(group_alive(g)) << g;
  const auto r = test::mixbo("", "cancel " + c.config.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("asked the running 'mixbo run'"), std::string::npos) << r.output;
  int st = 0;
  ASSERT_EQ(::waitpid(driver, &st, 0), driver);
  EXPECT_TRUE(WIFEXITED(st));
  std::ifstream log(c.dir / "driver.log");
  std::string out((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  // Cancelled trials are counted as such, not as failed (until session 58: "(0 done, 2 failed)").
  EXPECT_NE(out.find("campaign cancelled: 2 trials (0 done, 0 failed, 2 cancelled)"),
            std::string::npos)
      << out;
  expect_all_cancelled(c, 2);
}

// `mixbo cancel` after the driver died (kill -9): jobs still run under their supervisors; the
// cancel finds and stops them itself.
TEST(CampaignCli, CancelAfterTheDriverDied) {
  const auto c =
      test::make_e2e_campaign("cancel-dead", kRandom + "\n[simulator]\nsleep_per_cost = 60\n");
  const pid_t driver = test::spawn_mixbo({"run", c.config.string()}, c.dir / "driver.log");
  ASSERT_TRUE(wait_running(c.archive(), 2));
  ::kill(driver, SIGKILL);
  ::waitpid(driver, nullptr, 0);
  const auto groups = job_groups(c.workdir());
  ASSERT_EQ(groups.size(), 2u);
  for (pid_t g : groups) EXPECT_TRUE(group_alive(g)) << "jobs must outlive the driver";
  const auto r = test::mixbo("", "cancel " + c.config.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cancelled 2 trial(s) of cancel-dead"), std::string::npos) << r.output;
  expect_all_cancelled(c, 2);
  // The status table shows it.
  const auto s = test::mixbo("", "status " + c.config.string());
  EXPECT_NE(s.output.find("cancelled"), std::string::npos) << s.output;
}

// `mixbo cancel` after the driver died, while one of its jobs had finished with nobody to read
// it: that run's result is recorded, not thrown away as "cancelled" (it was until session 58,
// though the run was paid for), and the job still running is cancelled.
TEST(CampaignCli, CancelRecordsAJobThatHadFinished) {
  const auto c =
      test::make_e2e_campaign("cancel-done", kRandom + "\n[simulator]\nsleep_per_cost = 2\n");
  ::setenv("MIXBO_PROXY_FAULT", "hang", 1);  // t0001 runs until it is killed
  ::setenv("MIXBO_PROXY_FAULT_TRIALS", "t0001", 1);
  const pid_t driver = test::spawn_mixbo({"run", c.config.string()}, c.dir / "driver.log");
  ::unsetenv("MIXBO_PROXY_FAULT");
  ::unsetenv("MIXBO_PROXY_FAULT_TRIALS");
  ASSERT_TRUE(wait_running(c.archive(), 2));
  ::kill(driver, SIGKILL);  // before t0002's 2 s are over
  ::waitpid(driver, nullptr, 0);
  const Archive before = load_archive(c.archive());
  ASSERT_EQ(before.trials.size(), 2u);
  ASSERT_EQ(before.trials[1].id, "t0002");
  ASSERT_EQ(before.trials[1].state, TrialState::Running);
  const fs::path exit_file = c.workdir() / "local" / before.trials[1].job_id / "exit";
  for (auto until = Clock::now() + std::chrono::seconds(30);
       !fs::exists(exit_file) && Clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(exit_file)) << "t0002's job did not finish";

  const auto r = test::mixbo("", "cancel " + c.config.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cancelled 1 trial(s) of cancel-done\nrecorded the results of 1 "
                          "job(s) that had finished before the cancel"),
            std::string::npos)
      << r.output;
  const Archive a = load_archive(c.archive());
  EXPECT_EQ(a.trials[0].state, TrialState::Cancelled);
  EXPECT_EQ(a.trials[1].state, TrialState::Done) << a.trials[1].reason;
  size_t rows = 0;
  for (size_t i = 0; i < a.observations.size(); ++i) rows += a.observations.trial[i] == 1;
  EXPECT_GT(rows, 0u) << "t0002's curve was not recorded";
  for (pid_t g : job_groups(c.workdir())) {
    bool alive = true;
    for (int i = 0; i < 200 && (alive = group_alive(g)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    EXPECT_FALSE(alive) << "job process group " << g << " survived the cancel";
  }
}

// A campaign whose strategy's next run does not fit what is left says so, instead of
// "campaign finished" beside a budget it did not spend (session 57).
TEST(CampaignCli, BudgetLeftUnspentIsExplained) {
  const auto c = test::make_e2e_campaign("unspent", kRandom, 0.5);
  const auto r = test::mixbo("", "run --quiet " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("campaign finished: 0 trials"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("budget left unspent: 0.5, less than the cheapest next run the "
                          "strategy proposed (1)"),
            std::string::npos)
      << r.output;
  const auto j = test::mixbo("", "run --json " + c.config.string());
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_NE(j.output.find(R"("unspent":{"cheapest_next_run":1.0,"left":0.5})"), std::string::npos)
      << j.output;
  // A campaign that spent its budget has no such line, nor one whose rest buys no run of the
  // space (the demo printed "budget left unspent: 0.0005863" under 2.999 of 3.000).
  for (const double budget : {2.0, 1.0001}) {
    const auto spent = test::make_e2e_campaign("spent", kRandom, budget);
    const auto s = test::mixbo("", "run --quiet " + spent.config.string());
    ASSERT_EQ(s.exit_code, 0) << s.output;
    EXPECT_NE(
        s.output.find("campaign finished: " + std::to_string(static_cast<int>(budget)) + " trials"),
        std::string::npos)
        << s.output;
    EXPECT_EQ(s.output.find("unspent"), std::string::npos) << budget << "\n" << s.output;
  }
}

// A campaign that never ran has nothing to cancel: exit 2, and no folder made for it (the
// driver lock created one until session 57).
TEST(CampaignCli, CancelOfACampaignThatNeverRan) {
  const auto c = test::make_e2e_campaign("cancel-none", kRandom);
  const auto r = test::mixbo("", "cancel " + c.config.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the campaign has not run, so it has no jobs to cancel"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(c.workdir())) << "cancel made the campaign's folder";
}

TEST(CampaignCli, ImportAddsOutsideRuns) {
  const auto c = test::make_e2e_campaign("import", kRandom, 2);
  // Two runs made outside mixbo: params.ini + result.h5 written by mixbo-proxy.
  auto outside = [&](const std::string& name, const std::string& scale, std::int64_t steps) {
    TrialParams p;
    p.trial_id = name;
    p.campaign = "ablations";
    p.domains = {"books", "web", "code"};  // another order than the campaign's
    p.mixture = {0.2, 0.5, 0.3};
    p.scale = scale;
    p.scale_params = scale == "20M" ? 2e7 : 1.5e8;
    p.steps = steps;
    p.checkpoint_interval = 100;
    p.seed = 3;
    p.trial_dir = c.dir / "outside" / name;
    p.result = p.trial_dir / "result.h5";
    p.metrics = {"code_CE"};
    fs::create_directories(p.trial_dir);
    write_params(p.trial_dir / "params.ini", p);
    const auto r = test::run_command(std::string(MIXBO_BINARY_DIR) + "/mixbo-proxy " +
                                     (p.trial_dir / "params.ini").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return p;
  };
  const auto a1 = outside("abl1", "20M", 500);
  const auto a2 = outside("abl2", "150M", 300);
  // And one whose curve has a NaN.
  auto bad = outside("abl3", "20M", 200);
  auto curve = read_result(bad.result, {bad.trial_id, bad.metrics, bad.steps});
  curve.metrics["code_CE"][1] = std::numeric_limits<double>::quiet_NaN();
  write_result(bad.result, curve);

  const auto r = test::mixbo("", "import " + c.config.string() + " " + a1.trial_dir.string() + " " +
                                     a2.trial_dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 run(s) imported, 0 refused"), std::string::npos) << r.output;
  {
    const Archive a = load_archive(c.archive());
    ASSERT_EQ(a.trials.size(), 2u);
    EXPECT_EQ(a.trials[0].source, a1.trial_dir.string());
    EXPECT_EQ(a.trials[0].state, TrialState::Done);
    EXPECT_EQ(a.trials[0].iteration, -1);
    EXPECT_EQ(a.trials[0].point.steps, 500);
    EXPECT_NEAR(a.trials[0].point.w[0], 0.5, 1e-12);  // web, reordered to the campaign's order
    EXPECT_NEAR(a.trials[0].point.w[2], 0.2, 1e-12);  // books
    EXPECT_EQ(a.observations.size(), 8u);             // 5 + 3 checkpoints
  }
  // Again, and a bad one: both refused with the reason, nothing added.
  const auto again = test::mixbo("", "import " + c.config.string() + " " + a1.trial_dir.string() +
                                         " " + bad.trial_dir.string());
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("already imported as t0001"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("is not finite"), std::string::npos) << again.output;
  EXPECT_EQ(load_archive(c.archive()).trials.size(), 2u);
  // The campaign then runs its whole budget: imported runs are free.
  const auto run = test::mixbo("", "run --quiet " + c.config.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("campaign finished: 4 trials (4 done, 0 failed), cost 2.000"),
            std::string::npos)
      << run.output;
  const Archive a = load_archive(c.archive());
  EXPECT_EQ(a.observations.size(), 8u + 20u);
}

// Issue 15, defect 1: with campaign.h5 deleted, a new campaign in the same folder adopted the old
// jobs and recorded their results on its own (different) mixtures. Now the folder is refused
// until --clean-stale, and then every observation belongs to the mixture the archive records.
TEST(CampaignCli, ReusedWorkdirIsRefusedUntilCleaned) {
  const auto c = test::make_e2e_campaign("reuse", kRandom, 1.5);
  ASSERT_EQ(test::mixbo("", "run --quiet " + c.config.string()).exit_code, 0);
  const std::string old_instance = load_archive(c.archive()).instance;
  fs::remove(c.archive());
  const auto refused = test::mixbo("", "run --quiet " + c.config.string() + " --campaign.seed=99");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("no campaign.h5"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--clean-stale"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(c.archive())) << "the refused run recorded something";
  const auto cleaned =
      test::mixbo("", "run --quiet --clean-stale " + c.config.string() + " --campaign.seed=99");
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.output;
  const Archive a = load_archive(c.archive());
  EXPECT_NE(a.instance, old_instance);
  ASSERT_FALSE(a.trials.empty());
  for (size_t i = 0; i < a.trials.size(); ++i) {
    const auto& t = a.trials[i];
    EXPECT_EQ(t.reason.find("adopted"), std::string::npos) << t.id << ": " << t.reason;
    const auto p = read_params(c.workdir() / "trials" / t.id / "params.ini");
    EXPECT_EQ(p.instance, a.instance) << t.id;
    for (Eigen::Index j = 0; j < t.point.w.size(); ++j)
      EXPECT_NEAR(p.mixture[static_cast<size_t>(j)], t.point.w[j], 1e-15) << t.id;
  }
}

// Issue 15, defect 9: importing the campaign's own trial folder duplicated its observations.
TEST(CampaignCli, ImportOfTheCampaignsOwnTrialIsRefused) {
  const auto c = test::make_e2e_campaign("selfimport", kRandom, 1);
  ASSERT_EQ(test::mixbo("", "run --quiet " + c.config.string()).exit_code, 0);
  const auto before = load_archive(c.archive());
  const auto r = test::mixbo(
      "", "import " + c.config.string() + " " + (c.workdir() / "trials" / "t0001").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("is a trial folder of this campaign"), std::string::npos) << r.output;
  // A copy of that folder elsewhere was imported as a new run until session 57; and so was a
  // copy whose params.ini no longer names the campaign (the run exported by hand): the run is
  // recognised by its results, bit for bit.
  const fs::path copy = c.dir / "copy-of-t0001";
  fs::copy(c.workdir() / "trials" / "t0001", copy, fs::copy_options::recursive);
  const auto by_instance = test::mixbo("", "import " + c.config.string() + " " + copy.string());
  EXPECT_EQ(by_instance.exit_code, 1) << by_instance.output;
  EXPECT_NE(by_instance.output.find("params.ini says it is trial t0001 of this campaign"),
            std::string::npos)
      << by_instance.output;
  auto p = read_params(copy / "params.ini");
  p.instance.clear();
  p.campaign = "exported";
  write_params(copy / "params.ini", p);
  const auto by_results = test::mixbo("", "import " + c.config.string() + " " + copy.string());
  EXPECT_EQ(by_results.exit_code, 1) << by_results.output;
  EXPECT_NE(by_results.output.find("its run is t0001's bit for bit"), std::string::npos)
      << by_results.output;
  // A run of another model size under a scale name of the ladder would be relabelled.
  p.scale_params *= 1.25;
  write_params(copy / "params.ini", p);
  const auto by_size = test::mixbo("", "import " + c.config.string() + " " + copy.string());
  EXPECT_EQ(by_size.exit_code, 1) << by_size.output;
  EXPECT_NE(by_size.output.find("parameters, the campaign's ladder"), std::string::npos)
      << by_size.output;
  const auto after = load_archive(c.archive());
  EXPECT_EQ(after.trials.size(), before.trials.size());
  EXPECT_EQ(after.observations.size(), before.observations.size());
}

// The README's h5py recipe, in a training script run by the generic template
// (jobs/train.sbatch.in).
TEST(CampaignCli, PythonTrainingScriptWritesResults) {
  if (test::run_command("/usr/bin/python3 -c 'import h5py, numpy'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 with h5py and numpy not installed";
  const auto c = test::make_e2e_campaign(
      "python", kRandom + "\n[job]\ntemplate = " + std::string(MIXBO_SOURCE_DIR) +
                    "/jobs/train.sbatch.in\ncommand = /usr/bin/python3 train.py\n");
  // train.py sits beside the campaign file; the job runs in its trial folder, so use a path.
  {
    std::ofstream f(c.dir / "train.py");
    f << R"(import math, os, h5py, numpy as np

def write_result(steps, losses, status="ok"):  # losses: {"StackExchange_CE": [...], ...}
    path = os.environ["MIXBO_RESULT"]
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs.update(schema=1, trial_id=os.environ["MIXBO_TRIAL_ID"], status=status)
        f["steps"] = np.asarray(steps, dtype=np.int64)
        for name, values in losses.items():
            f[name] = np.asarray(values, dtype=np.float64)
    os.replace(path + ".tmp", path)  # atomic: mixbo never reads a half-written file

w = dict(zip(os.environ["MIXBO_DOMAINS"].split(","), map(float, os.environ["MIXBO_MIXTURE"].split(","))))
every, last = int(os.environ["MIXBO_CHECKPOINT_INTERVAL"]), int(os.environ["MIXBO_STEPS"])
steps = list(range(every, last + 1, every))
loss = [2.0 + (w["code"] - 0.6) ** 2 + 1.0 / math.log(s) for s in steps]
write_result(steps[:3], {"code_CE": loss[:3]}, "partial")
write_result(steps, {"code_CE": loss})
)";
  }
  const auto r =
      test::mixbo("", "run --quiet " + c.config.string() + " --job.command='/usr/bin/python3 " +
                          (c.dir / "train.py").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Archive a = load_archive(c.archive());
  ASSERT_EQ(a.trials.size(), 3u);
  for (const auto& t : a.trials) EXPECT_EQ(t.state, TrialState::Done) << t.id << ": " << t.reason;
  ASSERT_EQ(a.observations.size(), 30u);
  // The values are the script's formula at the trial's mixture.
  for (size_t i = 0; i < a.observations.size(); ++i) {
    const auto& t = a.trials[static_cast<size_t>(a.observations.trial[i])];
    const double want = 2.0 + std::pow(t.point.w[1] - 0.6, 2) +
                        1.0 / std::log(static_cast<double>(a.observations.step[i]));
    EXPECT_NEAR(a.observations.value[i], want, 1e-12);
  }
}
