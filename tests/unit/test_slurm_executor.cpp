// SlurmExecutor against fake Slurm commands: one sh script installed as sbatch, squeue, sacct,
// scontrol and scancel in a temporary folder. Each call is logged to calls.log; what a command
// prints comes from files next to it:
//   <cmd>.out / <cmd>.err / <cmd>.rc      stdout, stderr and exit code of every call
//   <cmd>.<last arg>.out / .err / .rc     the same for a call whose last argument matches
//   <cmd>.fail (N) + <cmd>.failmsg        the next N calls fail with that message (default:
//                                         "Unable to contact slurm controller"), exit code 1
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/exec/slurm_executor.hpp"
#include "mixbo/exec/subprocess.hpp"
#include "mixbo/loop/campaign.hpp"
#include "scratch.hpp"

namespace fs = std::filesystem;
using namespace mixbo;

namespace {

// POSIX sh without helper programs where it can: dash starts in a fraction of bash's time.
const char* kFake = R"SH(#!/bin/sh
cmd=${0##*/}
D=${0%/*}
{ printf '%s' "$cmd"; printf ' %s' "$@"; echo; } >>"$D/calls.log"
if [ -s "$D/$cmd.fail" ]; then
  read -r n <"$D/$cmd.fail"
  if [ "$n" -gt 0 ]; then
    echo $((n - 1)) >"$D/$cmd.fail"
    if [ -f "$D/$cmd.failmsg" ]; then cat "$D/$cmd.failmsg" >&2
    else echo "$cmd: error: Unable to contact slurm controller (connect failure)" >&2; fi
    exit 1
  fi
fi
last=
for last; do :; done
p="$D/$cmd"
case "$last" in
  */*|'') ;;
  *) if [ -e "$D/$cmd.$last.out" ] || [ -e "$D/$cmd.$last.rc" ]; then p="$D/$cmd.$last"; fi ;;
esac
[ -f "$p.err" ] && cat "$p.err" >&2
[ -f "$p.out" ] && cat "$p.out"
rc=0
[ -f "$p.rc" ] && read -r rc <"$p.rc"
exit "$rc"
)SH";

}  // namespace

// Outside the anonymous namespace: see HardBudget in test_round.cpp.
class FakeSlurm : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mixbo-fake-slurm-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    bin_ = root_ / "bin";
    fs::create_directories(bin_);
    for (const char* c : {"sbatch", "squeue", "sacct", "scontrol", "scancel"}) {
      std::ofstream(bin_ / c) << kFake;
      fs::permissions(bin_ / c, fs::perms::owner_all);
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  void put(const std::string& file, const std::string& text) { std::ofstream(bin_ / file) << text; }
  std::vector<std::string> calls(const std::string& cmd = "") {
    std::ifstream in(bin_ / "calls.log");
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line))
      if (cmd.empty() || line.rfind(cmd + " ", 0) == 0 || line == cmd) out.push_back(line);
    return out;
  }
  SlurmOptions options(double budget = 2.0) {
    SlurmOptions o;
    o.bin_dir = bin_.string();
    o.command_timeout = 10;
    o.retry_initial = 0.01;
    o.retry_max_delay = 0.05;
    o.retry_budget_seconds = budget;
    o.poll_budget_seconds = budget;
    o.quiet = true;
    return o;
  }
  JobRequest job(const std::string& trial, int attempt = 1, const std::string& time = "00:10:00") {
    JobRequest j;
    j.trial_id = trial;
    j.job_name = "mixbo-c-" + trial;
    j.trial_dir = root_ / "trials" / trial;
    j.script = j.trial_dir / "job.sbatch";
    j.attempt = attempt;
    fs::create_directories(j.trial_dir);
    std::ofstream(j.script) << "#!/bin/bash\n#SBATCH --job-name=" << j.job_name
                            << "\n#SBATCH --output=" << (j.trial_dir / "stdout").string()
                            << "\n#SBATCH --time=" << time
                            << "\n#SBATCH --partition=debug\n#SBATCH --cpus-per-task=1\n"
                            << "set -e\necho ran " << trial << " > "
                            << (j.trial_dir / "ran").string() << "\necho to-stdout-" << trial
                            << "\n";
    return j;
  }

  fs::path root_, bin_;
};

// ---- Pure functions ----

TEST(SlurmState, EveryTerminalStateMaps) {
  EXPECT_EQ(slurm_job_status("COMPLETED", "0:0").phase, JobPhase::Completed);
  struct Case {
    const char *state, *exit, *reason_prefix;
    int code;
  };
  const Case failed[] = {
      {"FAILED", "1:0", "FAILED (exit code 1)", 1},
      {"TIMEOUT", "0:15", "TIMEOUT (signal 15)", 143},
      {"CANCELLED by 0", "0:15", "CANCELLED (signal 15)", 143},
      {"CANCELLED+", "0:0", "CANCELLED", 0},
      {"OUT_OF_MEMORY", "0:125", "OUT_OF_MEMORY (signal 125)", 253},
      {"NODE_FAIL", "0:0", "NODE_FAIL", 0},
      {"PREEMPTED", "0:0", "PREEMPTED", 0},
      {"BOOT_FAIL", "0:0", "BOOT_FAIL", 0},
      {"DEADLINE", "0:0", "DEADLINE", 0},
      {"REVOKED", "0:0", "REVOKED", 0},
      {"SPECIAL_EXIT", "3:0", "SPECIAL_EXIT (exit code 3)", 3},
  };
  for (const auto& c : failed) {
    const JobStatus s = slurm_job_status(c.state, c.exit);
    EXPECT_EQ(s.phase, JobPhase::Failed) << c.state;
    EXPECT_EQ(s.reason, c.reason_prefix) << c.state;
    EXPECT_EQ(s.exit_code, c.code) << c.state;
  }
  // A scheduler reason that adds information is kept; the obvious ones are not repeated.
  EXPECT_EQ(slurm_job_status("FAILED", "1:0", "NonZeroExitCode").reason, "FAILED (exit code 1)");
  EXPECT_EQ(slurm_job_status("FAILED", "0:0", "launch_failed_requeued_held").reason,
            "FAILED, launch_failed_requeued_held");
  EXPECT_EQ(slurm_job_status("TIMEOUT", "0:0", "TimeLimit").reason, "TIMEOUT, TimeLimit");
}

TEST(SlurmState, ActiveStates) {
  for (const char* s : {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD"})
    EXPECT_EQ(slurm_job_status(s, "0:0").phase, JobPhase::Queued) << s;
  for (const char* s : {"RUNNING", "COMPLETING", "SUSPENDED", "STAGE_OUT", "SIGNALING"})
    EXPECT_EQ(slurm_job_status(s, "0:0").phase, JobPhase::Running) << s;
  EXPECT_EQ(slurm_job_status("PENDING", "0:0", "Priority").reason, "Priority");
  EXPECT_THROW(slurm_job_status("EXPLODED", "0:0"), Error);
}

TEST(SlurmParse, ParsableOutput) {
  EXPECT_EQ(parse_sbatch_parsable("123\n"), "123");
  EXPECT_EQ(parse_sbatch_parsable("4567;cluster2\n"), "4567");
  EXPECT_EQ(parse_sbatch_parsable("sbatch: warning: something\n89\n"), "89");
  EXPECT_THROW(parse_sbatch_parsable(""), Error);
  EXPECT_THROW(parse_sbatch_parsable("Submitted batch job 12\n"), Error);
}

TEST(SlurmParse, TransientFailures) {
  ProcessResult r;
  r.exit_code = 1;
  r.err =
      "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect "
      "failure)";
  EXPECT_TRUE(slurm_transient_failure(r));
  r.err = "squeue: error: Socket timed out on send/recv operation";
  EXPECT_TRUE(slurm_transient_failure(r));
  r.err = "sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying";
  EXPECT_TRUE(slurm_transient_failure(r));
  r.err = "sbatch: error: Batch job submission failed: Invalid partition name specified";
  EXPECT_FALSE(slurm_transient_failure(r));
  ProcessResult t;
  t.timed_out = true;
  EXPECT_TRUE(slurm_transient_failure(t));
  ProcessResult missing;
  missing.not_started = true;
  EXPECT_FALSE(slurm_transient_failure(missing));
}

TEST(SlurmParse, TimeFormat) {
  EXPECT_EQ(format_slurm_time(0), "0-00:00:00");
  EXPECT_EQ(format_slurm_time(61), "0-00:01:01");
  EXPECT_EQ(format_slurm_time(90061.2), "1-01:01:02");
}

// ---- The subprocess runner ----

TEST(Subprocess, CapturesOutputAndExitCode) {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"}, 10);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
  // Arguments reach the program as they are: no shell on our side.
  const auto q = run_process({"printf", "%s|", "a b", "'$HOME'", "`x`"}, 10);
  EXPECT_TRUE(q.ok());
  EXPECT_EQ(q.out, "a b|'$HOME'|`x`|");
}

TEST(Subprocess, TimeoutKillsTheGroup) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_process({"sh", "-c", "sleep 20 & sleep 20"}, 0.3);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(s, 5.0);  // the background sleep held the pipe too: it was killed with the group
}

TEST(Subprocess, MissingProgram) {
  const auto r = run_process({"mixbo-no-such-program-xyz"}, 5);
  EXPECT_TRUE(r.not_started);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(find_program("sh").empty(), false);
}

namespace {
std::atomic<int> g_forks{0};
}  // namespace

// Issue 15: the driver forked after MPI_Init for every Slurm command (fork copies the registered
// memory of RDMA fabrics). posix_spawn runs no pthread_atfork handlers: fork() would count here.
TEST(Subprocess, SpawnsWithoutFork) {
  static bool registered = false;
  if (!registered) {
    ::pthread_atfork([] { ++g_forks; }, nullptr, nullptr);
    registered = true;
  }
  g_forks = 0;
  const auto r = run_process({"sh", "-c", "echo spawned; exit 3"}, 5);
  EXPECT_EQ(r.out, "spawned\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(g_forks.load(), 0) << "run_process forked";
  // A program that cannot be executed (not a valid executable) is reported, not thrown.
  const auto dir = test::scratch_dir("spawn");
  std::ofstream(dir / "bad") << "\x7f"
                             << "ELF garbage";
  fs::permissions(dir / "bad", fs::perms::owner_all);
  const auto bad = run_process({(dir / "bad").string()}, 5);
  EXPECT_TRUE(bad.not_started) << bad.error;
  EXPECT_NE(bad.error.find("cannot run"), std::string::npos) << bad.error;
  fs::remove_all(dir);
}

// ---- Submission ----

TEST_F(FakeSlurm, SubmitParsesIdAndPassesArguments) {
  put("sbatch.out", "812;mixbo\n");
  SlurmExecutor ex(root_ / "state", options());
  const auto j = job("t0001");
  EXPECT_EQ(ex.submit(j), "812");
  const auto c = calls("sbatch");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], "sbatch --parsable --job-name=mixbo-c-t0001 --chdir=" + j.trial_dir.string() +
                      " " + j.script.string());
  EXPECT_EQ(ex.retries(), 0);
}

TEST_F(FakeSlurm, SubmitRetriesWhileControllerIsDown) {
  put("sbatch.out", "9\n");
  put("sbatch.fail", "2");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.submit(job("t0001")), "9");
  EXPECT_EQ(calls("sbatch").size(), 3u);
  EXPECT_EQ(ex.retries(), 2);
  // Before each new sbatch it looked for a job of that name (none): no duplicate possible.
  EXPECT_EQ(calls("squeue").size(), 2u);
}

TEST_F(FakeSlurm, AmbiguousSubmitFailureAdoptsTheJobInsteadOfResubmitting) {
  put("sbatch.fail", "1");
  put("sbatch.failmsg", "sbatch: error: Socket timed out on send/recv operation\n");
  put("sbatch.out", "99\n");
  put("squeue.out", "41|mixbo-c-t0001\n40|mixbo-c-other\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.submit(job("t0001")), "41");
  EXPECT_EQ(calls("sbatch").size(), 1u);
}

TEST_F(FakeSlurm, RetryOfATrialIgnoresItsEarlierAttempt) {
  // Attempt 1 (job 41) exists under the same name; a failed sbatch of attempt 2 must not
  // mistake it for the new submission.
  put("squeue.out", "41|mixbo-c-t0001\n");
  put("sacct.rc", "1");
  put("sacct.err", "Slurm accounting storage is disabled\n");
  put("scontrol.out", "No jobs in the system\n");
  put("sbatch.fail", "1");
  put("sbatch.out", "57\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.submit(job("t0001", 2)), "57");
  EXPECT_EQ(calls("sbatch").size(), 2u);
}

TEST_F(FakeSlurm, PermanentSubmitFailureThrowsAtOnce) {
  put("sbatch.rc", "1");
  put("sbatch.err",
      "sbatch: error: Batch job submission failed: Invalid partition name specified\n");
  SlurmExecutor ex(root_ / "state", options());
  try {
    ex.submit(job("t0001"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Invalid partition name"), std::string::npos);
  }
  EXPECT_EQ(calls("sbatch").size(), 1u);
}

TEST_F(FakeSlurm, SubmitGivesUpAfterItsBudget) {
  put("sbatch.fail", "1000");
  SlurmExecutor ex(root_ / "state", options(1.0));
  EXPECT_THROW(ex.submit(job("t0001")), Error);
  EXPECT_GE(calls("sbatch").size(), 2u);
}

// ---- Polling ----

TEST_F(FakeSlurm, PollActiveFromSqueueFinishedFromSacct) {
  put("squeue.out", "5|RUNNING|None\n6|PENDING|Priority\n3_2|PENDING|None\n");
  put("sacct.out",
      "7|COMPLETED|0:0\n8|TIMEOUT|0:15\n9|OUT_OF_MEMORY|0:125\n10|CANCELLED by 0|0:15\n"
      "11|FAILED|2:0\n12|NODE_FAIL|0:0\n13|PREEMPTED|0:0\n14|BOOT_FAIL|0:0\n15|DEADLINE|0:0\n"
      "3_1|COMPLETED|0:0\n");
  SlurmExecutor ex(root_ / "state", options());
  const auto s =
      ex.poll({"5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "3_1", "3_2"});
  ASSERT_EQ(s.size(), 13u);
  EXPECT_EQ(s.at("5").phase, JobPhase::Running);
  EXPECT_EQ(s.at("6").phase, JobPhase::Queued);
  EXPECT_EQ(s.at("3_2").phase, JobPhase::Queued);
  EXPECT_EQ(s.at("7").phase, JobPhase::Completed);
  EXPECT_EQ(s.at("3_1").phase, JobPhase::Completed);
  const std::pair<const char*, const char*> failed[] = {
      {"8", "TIMEOUT"},    {"9", "OUT_OF_MEMORY"}, {"10", "CANCELLED"}, {"11", "FAILED"},
      {"12", "NODE_FAIL"}, {"13", "PREEMPTED"},    {"14", "BOOT_FAIL"}, {"15", "DEADLINE"}};
  for (const auto& [id, reason] : failed) {
    EXPECT_EQ(s.at(id).phase, JobPhase::Failed) << id;
    EXPECT_EQ(s.at(id).reason.rfind(reason, 0), 0u) << id << ": " << s.at(id).reason;
  }
  EXPECT_EQ(s.at("11").exit_code, 2);
  // One squeue and one sacct for the whole batch; the finished ones only went to sacct.
  ASSERT_EQ(calls("squeue").size(), 1u);
  ASSERT_EQ(calls("sacct").size(), 1u);
  EXPECT_NE(calls("sacct")[0].find("-j 10,11,12,13,14,15,3_1,7,8,9"), std::string::npos)
      << calls("sacct")[0];
  EXPECT_TRUE(calls("scontrol").empty());
}

TEST_F(FakeSlurm, PollFallsBackToScontrolWithoutAccounting) {
  put("squeue.out", "");
  put("sacct.rc", "1");
  put("sacct.err", "Slurm accounting storage is disabled\n");
  put("scontrol.7.out",
      "JobId=7 JobName=a UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) "
      "ExitCode=0:0 Command=/x y z\n");
  put("scontrol.8.out", "JobId=8 JobName=a JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0\n");
  put("scontrol.4_1.out",
      "JobId=12 ArrayJobId=4 ArrayTaskId=1 JobName=arr JobState=TIMEOUT Reason=TimeLimit "
      "ExitCode=0:15\n");
  put("scontrol.99.rc", "1");
  put("scontrol.99.err", "slurm_load_jobs error: Invalid job id specified\n");
  SlurmExecutor ex(root_ / "state", options());
  auto s = ex.poll({"7", "8", "4_1", "99"});
  EXPECT_FALSE(ex.accounting());
  EXPECT_EQ(s.at("7").phase, JobPhase::Completed);
  EXPECT_EQ(s.at("8").phase, JobPhase::Failed);
  EXPECT_EQ(s.at("8").reason, "FAILED (exit code 1)");
  EXPECT_EQ(s.at("4_1").phase, JobPhase::Failed);
  EXPECT_EQ(s.at("4_1").reason, "TIMEOUT (signal 15), TimeLimit");
  // 99 is in no record: the job-completion log is the last place to look.
  EXPECT_EQ(s.at("99").phase, JobPhase::Failed);
  EXPECT_EQ(s.at("99").reason, "unknown job");
  const auto sacct = calls("sacct");
  ASSERT_EQ(sacct.size(), 2u);
  EXPECT_NE(sacct[1].find("sacct -c"), std::string::npos);
  // Accounting is not asked again once it said it is disabled.
  put("scontrol.99.rc", "0");
  put("scontrol.99.out", "JobId=99 JobName=a JobState=RUNNING Reason=None ExitCode=0:0\n");
  s = ex.poll({"99"});
  EXPECT_EQ(s.at("99").phase, JobPhase::Running);
  EXPECT_EQ(calls("sacct").size(), 2u);
}

TEST_F(FakeSlurm, PollReadsTheJobCompletionLog) {
  put("squeue.out", "");
  put("sacct.rc", "1");
  put("sacct.err", "Slurm accounting storage is disabled\n");
  put("scontrol.rc", "1");
  put("scontrol.err", "slurm_load_jobs error: Invalid job id specified\n");
  SlurmExecutor ex(root_ / "state", options());
  ex.poll({"31"});  // learns that accounting is off
  put("sacct.rc", "0");
  put("sacct.err", "");
  put("sacct.out", "31|FAILED|1:0\n");
  const auto s = ex.poll({"31"});
  EXPECT_EQ(s.at("31").phase, JobPhase::Failed);
  EXPECT_EQ(s.at("31").reason, "FAILED (exit code 1)");
}

TEST_F(FakeSlurm, PollWithSlurmUnreachableReportsNothing) {
  put("squeue.fail", "1000");
  SlurmExecutor ex(root_ / "state", options(1.0));
  const auto s = ex.poll({"5", "6"});
  EXPECT_TRUE(s.empty());  // not "failed": the loop simply asks again
  EXPECT_GE(ex.retries(), 1);
  EXPECT_TRUE(calls("sacct").empty());
}

TEST_F(FakeSlurm, PollRidesOutAShortOutage) {
  put("squeue.fail", "2");
  put("squeue.out", "5|RUNNING|None\n");
  SlurmExecutor ex(root_ / "state", options());
  const auto s = ex.poll({"5"});
  EXPECT_EQ(s.at("5").phase, JobPhase::Running);
  EXPECT_EQ(ex.retries(), 2);
}

TEST_F(FakeSlurm, AStateFromANewerSlurmIsAskedAgainNotFatal) {
  put("squeue.out", "5|RUNNING|None\n6|HIBERNATING|None\n");
  put("sacct.out", "6|HIBERNATING|0:0\n");
  put("scontrol.out", "JobId=6 JobName=a JobState=HIBERNATING Reason=None ExitCode=0:0\n");
  SlurmExecutor ex(root_ / "state", options());
  std::map<std::string, JobStatus> s;
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(s = ex.poll({"5", "6"}));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.count("5"), 1u);
  EXPECT_EQ(s.count("6"), 0u);  // neither failed nor done: unchanged for the loop
  EXPECT_NE(err.find("HIBERNATING"), std::string::npos);
}

TEST_F(FakeSlurm, SingleUnknownIdInSqueueIsNotAnError) {
  put("squeue.rc", "1");
  put("squeue.err", "slurm_load_jobs error: Invalid job id specified\n");
  put("sacct.out", "5|COMPLETED|0:0\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.poll({"5"}).at("5").phase, JobPhase::Completed);
  EXPECT_EQ(ex.retries(), 0);
}

// ---- Arrays ----

TEST_F(FakeSlurm, SubmitManyIsOneArrayTrackedPerTask) {
  put("sbatch.out", "77\n");
  auto o = options();
  o.use_array = true;
  SlurmExecutor ex(root_ / "state", o);
  std::vector<JobRequest> jobs = {job("t0001", 1, "00:10:00"), job("t0002", 1, "01:30:00"),
                                  job("t0003", 1, "5")};
  const auto ids = ex.submit_many(jobs);
  ASSERT_EQ(ids, (std::vector<std::string>{"77_0", "77_1", "77_2"}));
  const auto c = calls("sbatch");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].find("--array=0-2"), std::string::npos);
  const std::string wrapper = c[0].substr(c[0].rfind(' ') + 1);
  std::ifstream in(wrapper);
  std::stringstream text;
  text << in.rdbuf();
  const std::string w = text.str();
  EXPECT_NE(w.find("#SBATCH --time=0-01:30:00"), std::string::npos) << w;  // the longest
  EXPECT_NE(w.find("#SBATCH --partition=debug"), std::string::npos) << w;
  EXPECT_EQ(w.find("#SBATCH --job-name=mixbo-c-t0001\n"), std::string::npos) << w;
  EXPECT_NE(w.find("#SBATCH --job-name=mixbo-c-t0001-array3-"), std::string::npos) << w;
  // Task k runs job k's script in its trial folder, output into that folder.
  for (int k : {2, 0}) {
    const auto r =
        run_process({"env", "SLURM_ARRAY_TASK_ID=" + std::to_string(k), "bash", wrapper}, 10);
    EXPECT_TRUE(r.ok()) << r.err;
    std::ifstream ran(jobs[static_cast<size_t>(k)].trial_dir / "ran");
    std::string line;
    std::getline(ran, line);
    EXPECT_EQ(line, "ran " + jobs[static_cast<size_t>(k)].trial_id);
    std::ifstream so(jobs[static_cast<size_t>(k)].trial_dir / "stdout");
    std::getline(so, line);
    EXPECT_EQ(line, "to-stdout-" + jobs[static_cast<size_t>(k)].trial_id);
  }
  EXPECT_FALSE(fs::exists(jobs[1].trial_dir / "ran"));
  EXPECT_EQ(run_process({"env", "SLURM_ARRAY_TASK_ID=3", "bash", wrapper}, 10).exit_code, 2);

  // Polled per task.
  put("squeue.out", "77_1|RUNNING|None\n77_2|PENDING|Resources\n");
  put("sacct.out", "77_0|COMPLETED|0:0\n");
  const auto s = ex.poll(ids);
  EXPECT_EQ(s.at("77_0").phase, JobPhase::Completed);
  EXPECT_EQ(s.at("77_1").phase, JobPhase::Running);
  EXPECT_EQ(s.at("77_2").phase, JobPhase::Queued);

  // A restarted driver finds task 1 by the trial's job name.
  const std::string array_name = w.substr(
      w.find("--job-name=") + 11, w.find('\n', w.find("--job-name=")) - w.find("--job-name=") - 11);
  put("squeue.out", "77_1|" + array_name + "\n77_2|" + array_name + "\n");
  put("sacct.out", "77_0|" + array_name + "\n");
  SlurmExecutor restarted(root_ / "state", o);
  EXPECT_EQ(restarted.find_by_name("mixbo-c-t0002"), std::optional<std::string>("77_1"));
  EXPECT_EQ(restarted.find_by_name("mixbo-c-t0001"), std::optional<std::string>("77_0"));
  EXPECT_EQ(restarted.find_by_name("mixbo-c-t0009"), std::nullopt);
}

TEST_F(FakeSlurm, RoundsLargerThanMaxArraySizeGoAsSeveralArrays) {
  put("sbatch.out", "300\n");
  auto o = options();
  o.use_array = true;
  o.max_array_tasks = 3;
  SlurmExecutor ex(root_ / "state", o);
  std::vector<JobRequest> jobs;
  for (const char* t : {"t0001", "t0002", "t0003", "t0004", "t0005"}) jobs.push_back(job(t));
  EXPECT_EQ(ex.submit_many(jobs),
            (std::vector<std::string>{"300_0", "300_1", "300_2", "300_0", "300_1"}));
  const auto c = calls("sbatch");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_NE(c[0].find("--array=0-2 "), std::string::npos);
  EXPECT_NE(c[1].find("--array=0-1 "), std::string::npos);
  // A remainder of one is a plain job.
  jobs.pop_back();
  put("sbatch.out", "301\n");
  EXPECT_EQ(ex.submit_many(jobs), (std::vector<std::string>{"301_0", "301_1", "301_2", "301"}));
  EXPECT_EQ(calls("sbatch").back().find("--array"), std::string::npos);
}

TEST_F(FakeSlurm, ArrayNeverSubmittedIsNotAdopted) {
  // The driver wrote the task list, then died before sbatch: nothing named like the array.
  fs::create_directories(root_ / "state" / "arrays");
  std::ofstream(root_ / "state" / "arrays" / "mixbo-c-t0001-array2-1.tasks")
      << "0\tmixbo-c-t0001\n1\tmixbo-c-t0002\n";
  put("squeue.out", "");
  put("sacct.out", "");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.find_by_name("mixbo-c-t0002"), std::nullopt);
}

TEST_F(FakeSlurm, WithoutUseArraySubmitManyGoesOneByOne) {
  put("sbatch.out", "5\n");
  SlurmExecutor ex(root_ / "state", options());
  const auto ids = ex.submit_many({job("t0001"), job("t0002")});
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(calls("sbatch").size(), 2u);
  EXPECT_EQ(calls("sbatch")[0].find("--array"), std::string::npos);
}

// ---- Adoption and cancel ----

TEST_F(FakeSlurm, FindByNameTakesTheNewestJob) {
  put("squeue.out", "10|mixbo-c-t0001\n11|mixbo-c-t0001x\n");
  put("sacct.out", "12|mixbo-c-t0001\n9|mixbo-c-t0001\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.find_by_name("mixbo-c-t0001"), std::optional<std::string>("12"));
  EXPECT_EQ(ex.find_by_name("mixbo-c-t0002"), std::nullopt);
}

// Issue 15, defect 1: a second campaign of the same name (a new workdir, or the same one after
// its campaign.h5 was deleted) adopted the first one's jobs by name.
TEST_F(FakeSlurm, JobsOfAnotherCampaignInstanceAreNotFound) {
  auto make = [&](const std::string& dir) {
    auto c = std::make_unique<Campaign>(
        load_config("", {"--campaign.name=same", "--campaign.workdir=" + (root_ / dir).string(),
                         "--campaign.budget=1", "--space.domains=a, b", "--objective.metric=loss",
                         "--executor.type=slurm"}));
    Point p;
    p.w = Eigen::Vector2d(0.5, 0.5);
    p.scale = 0;
    p.steps = 19500;
    c->add_trial(p, 0);
    return c;
  };
  const auto first = make("one"), second = make("two");
  put("squeue.out", "");
  put("sacct.out", "41|" + first->job_name(0) + "\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.find_by_name(first->job_name(0)), std::optional<std::string>("41"));
  EXPECT_EQ(ex.find_by_name(second->job_name(0)), std::nullopt);
}

TEST_F(FakeSlurm, FindByNameWithoutAccountingUsesScontrol) {
  put("squeue.out", "");
  put("sacct.rc", "1");
  put("sacct.err", "Slurm accounting storage is disabled\n");
  put("scontrol.out",
      "JobId=3 JobName=mixbo-c-t0001 JobState=COMPLETED ExitCode=0:0\n"
      "JobId=4 JobName=mixbo-c-t0002 JobState=FAILED ExitCode=1:0\n");
  SlurmExecutor ex(root_ / "state", options());
  EXPECT_EQ(ex.find_by_name("mixbo-c-t0002"), std::optional<std::string>("4"));
}

TEST_F(FakeSlurm, FindByNameNeverGuessesWhenSlurmIsDown) {
  put("squeue.fail", "1000");
  SlurmExecutor ex(root_ / "state", options(0.2));
  // "none" would make the loop submit a second copy: it must be an error instead.
  EXPECT_THROW(ex.find_by_name("mixbo-c-t0001"), Error);
}

TEST_F(FakeSlurm, Cancel) {
  SlurmExecutor ex(root_ / "state", options());
  ex.cancel("5");
  EXPECT_EQ(calls("scancel"), std::vector<std::string>{"scancel 5"});
  put("scancel.fail", "1");
  ex.cancel("6_2");
  EXPECT_EQ(calls("scancel").size(), 3u);
  put("scancel.rc", "1");
  put("scancel.err", "scancel: error: Kill job error on job id 7: Access/permission denied\n");
  EXPECT_THROW(ex.cancel("7"), Error);
  put("scancel.err", "scancel: error: Kill job error on job id 8: Invalid job id specified\n");
  EXPECT_NO_THROW(ex.cancel("8"));
}
