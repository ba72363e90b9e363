// The local executor: job scripts run under a supervisor with a concurrency limit; exit codes,
// signals, cancels (the whole process group) and the script's #SBATCH --time limit are recorded;
// jobs outlive a dead driver and a new one adopts them by name, starting queued ones exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "mixbo/core/error.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A trial folder with job.sbatch = header + body; returns its request.
JobRequest job(const fs::path& root, const std::string& name, const std::string& body,
               const std::string& time_limit = "", int attempt = 1) {
  JobRequest r;
  r.trial_id = name;
  r.job_name = "mixbo-test-" + name;
  r.trial_dir = root / "trials" / name;
  r.script = r.trial_dir / "job.sbatch";
  r.attempt = attempt;
  fs::create_directories(r.trial_dir);
  std::ofstream f(r.script);
  f << "#!/bin/bash\n#SBATCH --job-name=" << r.job_name << "\n";
  if (!time_limit.empty()) f << "#SBATCH --time=" << time_limit << "\n";
  f << body << "\n";
  return r;
}

// Polls until the job has finished (or `timeout_s`); returns its last status.
JobStatus wait_for(Executor& ex, const std::string& id, double timeout_s = 10) {
  const auto until = Clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    const JobStatus s = ex.poll({id}).at(id);
    if (s.phase == JobPhase::Completed || s.phase == JobPhase::Failed || Clock::now() > until)
      return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Alive = exists and is not a zombie (a reparented child may linger as one).
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  const std::string stat = test::file_text("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

pid_t read_pid(const fs::path& f, double timeout_s = 5) {
  const auto until = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < until) {
    std::ifstream in(f);
    pid_t p = 0;
    if (in >> p && p > 0) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace

TEST(LocalExecutor, RunsTheScriptInItsTrialFolder) {
  const auto root = test::scratch_dir("local", "ok");
  LocalExecutor ex(root / "state", 2);
  const auto j = job(root, "t1", "echo \"hello from $(basename \"$PWD\")\"; echo oops >&2");
  const auto id = ex.submit(j);
  EXPECT_EQ(id, "mixbo-test-t1.1");
  const auto s = wait_for(ex, id);
  EXPECT_EQ(s.phase, JobPhase::Completed) << s.reason;
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(test::file_text(j.trial_dir / "stdout"), "hello from t1\n");
  EXPECT_EQ(test::file_text(j.trial_dir / "stderr"), "oops\n");
}

TEST(LocalExecutor, RecordsExitCodeAndSignal) {
  const auto root = test::scratch_dir("local", "exit");
  LocalExecutor ex(root / "state", 4);
  const auto a = ex.submit(job(root, "t1", "exit 3"));
  const auto b = ex.submit(job(root, "t2", "kill -SEGV $$"));
  const auto c = ex.submit(job(root, "t3", "kill -KILL $$"));
  const auto sa = wait_for(ex, a), sb = wait_for(ex, b), sc = wait_for(ex, c);
  EXPECT_EQ(sa.phase, JobPhase::Failed);
  EXPECT_EQ(sa.exit_code, 3);
  EXPECT_EQ(sa.reason, "exit code 3");
  EXPECT_EQ(sb.phase, JobPhase::Failed);
  EXPECT_EQ(sb.reason, "signal 11 (SIGSEGV)");
  EXPECT_EQ(sc.reason, "signal 9 (SIGKILL)");
  // An id the executor never issued.
  const auto u = ex.poll({"mixbo-test-nope.1"}).at("mixbo-test-nope.1");
  EXPECT_EQ(u.phase, JobPhase::Failed);
  EXPECT_EQ(u.reason, "unknown job");
}

TEST(LocalExecutor, NeverRunsMoreThanTheLimit) {
  const auto root = test::scratch_dir("local", "limit");
  LocalExecutor ex(root / "state", 2);
  const auto log = root / "log";
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(ex.submit(
        job(root, "t" + std::to_string(i),
            "echo start >> " + log.string() + "; sleep 0.25; echo end >> " + log.string())));
  int most = 0;
  for (auto until = Clock::now() + std::chrono::seconds(15); Clock::now() < until;) {
    const auto st = ex.poll(ids);
    int running = 0, finished = 0;
    for (const auto& [id, s] : st) {
      running += s.phase == JobPhase::Running;
      finished += s.phase == JobPhase::Completed;
    }
    most = std::max({most, running, ex.running()});
    if (finished == 6) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& id : ids) EXPECT_EQ(ex.poll({id}).at(id).phase, JobPhase::Completed) << id;
  EXPECT_EQ(most, 2);
  // From the jobs' own log: never three between a start and an end.
  std::ifstream in(log);
  std::string line;
  int live = 0, peak = 0, starts = 0;
  while (std::getline(in, line)) {
    live += line == "start" ? 1 : -1;
    starts += line == "start";
    peak = std::max(peak, live);
  }
  EXPECT_EQ(starts, 6);
  EXPECT_LE(peak, 2);
}

TEST(LocalExecutor, CancelKillsTheWholeProcessGroup) {
  const auto root = test::scratch_dir("local", "cancel");
  LocalExecutor ex(root / "state", 2, 0.5);
  const auto j =
      job(root, "t1",
          "sleep 300 & echo $! > child.pid\n"
          "bash -c 'trap \"\" TERM; echo $$ > stubborn.pid; while :; do sleep 0.05; done' &\n"
          "wait");
  const auto id = ex.submit(j);
  const pid_t child = read_pid(j.trial_dir / "child.pid");
  const pid_t stubborn = read_pid(j.trial_dir / "stubborn.pid");
  ASSERT_GT(child, 0);
  ASSERT_GT(stubborn, 0);
  EXPECT_EQ(ex.poll({id}).at(id).phase, JobPhase::Running);
  ex.cancel(id);
  const auto s = wait_for(ex, id);
  EXPECT_EQ(s.phase, JobPhase::Failed);
  EXPECT_EQ(s.reason, "CANCELLED");
  // The job's children die with it, even one that ignores SIGTERM (SIGKILL after the grace).
  for (int i = 0; i < 100 && (alive(child) || alive(stubborn)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive(child));
  EXPECT_FALSE(alive(stubborn));
}

TEST(LocalExecutor, CancelOfAQueuedJobMeansItNeverStarts) {
  const auto root = test::scratch_dir("local", "cancelq");
  LocalExecutor ex(root / "state", 1);
  const auto a = ex.submit(job(root, "t1", "sleep 0.3"));
  const auto jb = job(root, "t2", "touch started");
  const auto b = ex.submit(jb);
  EXPECT_EQ(ex.poll({b}).at(b).phase, JobPhase::Queued);
  ex.cancel(b);
  EXPECT_EQ(wait_for(ex, a).phase, JobPhase::Completed);
  const auto s = wait_for(ex, b);
  EXPECT_EQ(s.phase, JobPhase::Failed);
  EXPECT_EQ(s.reason, "CANCELLED");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ex.poll({a, b});
  EXPECT_FALSE(fs::exists(jb.trial_dir / "started"));
}

TEST(LocalExecutor, EnforcesTheScriptsTimeLimit) {
  const auto root = test::scratch_dir("local", "time");
  LocalExecutor ex(root / "state", 2, 0.3);
  // 0:01 is one second in Slurm's M:S form; the job would otherwise run for minutes, its
  // child ignoring SIGTERM.
  const auto j =
      job(root, "t1", "bash -c 'trap \"\" TERM; echo $$ > stubborn.pid; sleep 120' &\nsleep 120",
          "0:01");
  EXPECT_DOUBLE_EQ(script_time_limit(j.script), 1.0);
  const auto t0 = Clock::now();
  const auto id = ex.submit(j);
  const auto s = wait_for(ex, id, 20);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(s.phase, JobPhase::Failed);
  EXPECT_EQ(s.reason, "TIMEOUT");
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 5.0);
  const pid_t stubborn = read_pid(j.trial_dir / "stubborn.pid");
  for (int i = 0; i < 50 && alive(stubborn); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive(stubborn));
  // Within its limit a job is left alone.
  const auto k = ex.submit(job(root, "t2", "sleep 0.2", "1"));
  EXPECT_EQ(wait_for(ex, k).phase, JobPhase::Completed);
}

TEST(LocalExecutor, ScriptTimeLimitForms) {
  const auto root = test::scratch_dir("local", "forms");
  EXPECT_DOUBLE_EQ(script_time_limit(job(root, "a", "true", "02:00:00").script), 7200);
  EXPECT_DOUBLE_EQ(script_time_limit(job(root, "b", "true").script), 0);
  EXPECT_DOUBLE_EQ(script_time_limit(job(root, "c", "true", "\"1-0\"").script), 86400);
  const auto d = root / "d.sbatch";
  std::ofstream(d) << "#!/bin/bash\n#SBATCH -t 5\n# SBATCH --time=1\n";
  EXPECT_DOUBLE_EQ(script_time_limit(d), 300);
}

// The driver dies (a forked child that submits and then vanishes without any cleanup); its jobs
// keep running under their supervisors and a new executor adopts them by name: the running one
// is reported running then completed, the queued one is started once, and neither runs twice.
TEST(LocalExecutor, NewDriverAdoptsJobsOfADeadOne) {
  const auto root = test::scratch_dir("local", "adopt");
  const auto log = root / "starts";
  const auto a = job(root, "t1", "echo t1 >> " + log.string() + "; sleep 0.6");
  const auto b = job(root, "t2", "echo t2 >> " + log.string() + "; sleep 0.1");
  const pid_t driver = ::fork();
  ASSERT_GE(driver, 0);
  if (driver == 0) {
    LocalExecutor ex(root / "state", 1);
    ex.submit(a);
    ex.submit(b);  // queued behind a: the limit is 1
    ::kill(::getpid(), SIGKILL);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(driver, &st, 0), driver);
  ASSERT_TRUE(WIFSIGNALED(st));

  LocalExecutor ex(root / "state", 1);
  const auto ia = ex.find_by_name(a.job_name), ib = ex.find_by_name(b.job_name);
  ASSERT_TRUE(ia && ib);
  EXPECT_EQ(*ia, "mixbo-test-t1.1");
  EXPECT_EQ(*ib, "mixbo-test-t2.1");
  EXPECT_FALSE(ex.find_by_name("mixbo-test-t3"));
  EXPECT_FALSE(ex.find_by_name("mixbo-test-t"));  // a prefix is not a name
  const auto first = ex.poll({*ia, *ib});
  EXPECT_EQ(first.at(*ia).phase, JobPhase::Running);
  EXPECT_EQ(first.at(*ib).phase, JobPhase::Queued);
  EXPECT_EQ(ex.running(), 1);
  EXPECT_EQ(wait_for(ex, *ia).phase, JobPhase::Completed);
  EXPECT_EQ(wait_for(ex, *ib).phase, JobPhase::Completed);
  // A third driver polling after everything finished still sees the results, starts nothing.
  LocalExecutor later(root / "state", 1);
  const auto again = later.poll({*ia, *ib});
  EXPECT_EQ(again.at(*ia).phase, JobPhase::Completed);
  EXPECT_EQ(again.at(*ib).phase, JobPhase::Completed);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(test::file_text(log), "t1\nt2\n");
}

// The newest attempt wins: a retry (attempt 2) is what find_by_name returns.
TEST(LocalExecutor, FindByNameReturnsTheLatestAttempt) {
  const auto root = test::scratch_dir("local", "attempts");
  LocalExecutor ex(root / "state", 2);
  const auto one = ex.submit(job(root, "t1", "exit 1"));
  EXPECT_EQ(wait_for(ex, one).phase, JobPhase::Failed);
  const auto two = ex.submit(job(root, "t1", "exit 0", "", 2));
  EXPECT_EQ(two, "mixbo-test-t1.2");
  EXPECT_EQ(ex.find_by_name("mixbo-test-t1"), two);
  EXPECT_EQ(wait_for(ex, two).phase, JobPhase::Completed);
  EXPECT_EQ(wait_for(ex, one).phase, JobPhase::Failed);  // the first attempt's record stays
  EXPECT_THROW(ex.submit(job(root, "t/x", "true")), Error);
}

// Killing the driver at random instants of submit() never makes a job run twice or vanish:
// a new driver adopts whatever the dead one left (queued, running or finished) by name.
TEST(LocalExecutor, DriverKilledDuringSubmitRunsEachJobOnce) {
  const auto root = test::scratch_dir("local", "killsubmit");
  const auto log = root / "starts";
  std::srand(7);
  for (int round = 0; round < 12; ++round) {
    const auto j = job(root, "r" + std::to_string(round),
                       "echo r" + std::to_string(round) + " >> " + log.string());
    const pid_t driver = ::fork();
    ASSERT_GE(driver, 0);
    if (driver == 0) {
      LocalExecutor ex(root / "state", 4);
      ex.submit(j);
      ::pause();
    }
    ::usleep(static_cast<useconds_t>(std::rand() % 3000));
    ::kill(driver, SIGKILL);
    ::waitpid(driver, nullptr, 0);
    LocalExecutor ex(root / "state", 4);
    auto found = ex.find_by_name(j.job_name);
    const std::string id = found ? *found : ex.submit(j);  // what the loop does
    EXPECT_EQ(wait_for(ex, id).phase, JobPhase::Completed) << id;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::ifstream in(log);
  std::map<std::string, int> runs;
  std::string line;
  while (std::getline(in, line)) ++runs[line];
  EXPECT_EQ(runs.size(), 12u);
  for (const auto& [name, n] : runs) EXPECT_EQ(n, 1) << name;
}

// A supervisor that dies (OOM killer, kill -9) leaves its job "lost": reported failed, never
// started a second time by this or a later executor.
TEST(LocalExecutor, JobOfAKilledSupervisorIsLostNotRestarted) {
  const auto root = test::scratch_dir("local", "lost");
  const auto log = root / "starts";
  LocalExecutor ex(root / "state", 2);
  const auto id = ex.submit(job(root, "t1", "echo go >> " + log.string() + "; sleep 0.5"));
  pid_t sup = 0, group = 0;
  for (int i = 0; i < 500 && group <= 0; ++i) {
    std::ifstream in(root / "state" / id / "pid");
    if (!(in >> sup >> group)) group = 0;
    if (group <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(group, 0);
  for (int i = 0; i < 500 && test::file_text(log).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(sup, SIGKILL);
  ::kill(-group, SIGKILL);  // the orphaned job: nobody else would stop it
  const auto s = wait_for(ex, id);
  EXPECT_EQ(s.phase, JobPhase::Failed);
  EXPECT_NE(s.reason.find("lost"), std::string::npos) << s.reason;
  LocalExecutor later(root / "state", 2);
  EXPECT_EQ(later.poll({id}).at(id).phase, JobPhase::Failed);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(test::file_text(log), "go\n");
}
