#pragma once
// Runs trials as Slurm batch jobs through the Slurm commands (sbatch, squeue, sacct, scontrol,
// scancel), run directly (argv, no shell) by run_process.
//
// Job ids are Slurm's: "123" for a job, "123_4" for task 4 of job array 123 (a cluster suffix
// "123;cluster" from `sbatch --parsable` is dropped: the commands talk to the default cluster).
//
// Tracking: squeue for jobs that are pending or running; for the others sacct (slurmdbd), or,
// when the cluster keeps no accounting ("accounting storage is disabled", e.g. the local test
// cluster of scripts/slurm-local.sh), `scontrol show job` (jobs stay there for MinJobAge) and
// then the job-completion log (`sacct -c`). Every terminal Slurm state maps to Completed
// (COMPLETED) or Failed with the state as reason plus exit code or signal (slurm_job_status).
//
// Failures of the commands themselves (slurmctld down or restarting, socket timeouts, a command
// past its timeout) are transient: retried with exponential backoff, never reported as a failed
// job. poll() leaves a job out of its answer when Slurm could not be asked (the loop asks again);
// submit(), cancel() and find_by_name() keep retrying for `retry_budget_seconds` and then throw
// Error. A submission whose sbatch failed ambiguously (it may have reached slurmctld) is looked up
// by job name before it is submitted again, so a retry never duplicates a job.
//
// Job arrays (submit_many with use_array): the jobs go out as ONE `sbatch --array=0-(N-1)` of a
// small wrapper script written to <state_dir>/arrays/<array name>.sh. The wrapper carries the
// #SBATCH directives of the first job's script except job name, output, error and time (the
// array's time limit is the longest of its jobs'), and dispatches on $SLURM_ARRAY_TASK_ID: task k
// runs `bash <job k's script>` in job k's trial folder, stdout/stderr into trial_dir/stdout and
// trial_dir/stderr. <array name>.tasks ("k<TAB>job name" per line) is written before sbatch, so
// that find_by_name can adopt task k of an array a crashed driver submitted ("<array id>_k").
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mixbo/exec/executor.hpp"
#include "mixbo/exec/subprocess.hpp"

namespace mixbo {

// What a Slurm command's result means to the retry loop.
enum class CommandOutcome { Ok, Transient, Permanent };

struct SlurmOptions {
  bool use_array = false;             // submit_many as one job array
  int max_array_tasks = 1000;         // larger rounds go as several arrays (Slurm's default
                                      // MaxArraySize 1001 allows task ids 0..1000)
  std::string bin_dir;                // folder of the Slurm commands; "" = PATH
  double command_timeout = 60;        // seconds one Slurm command may run
  double retry_initial = 0.5;         // first backoff delay, seconds
  double retry_max_delay = 4;         // longest backoff delay, seconds (the Slurm commands
                                      // themselves wait ~10 s for an absent slurmctld)
  double retry_budget_seconds = 300;  // submit / cancel / find_by_name give up after this
  double poll_budget_seconds = 20;    // poll gives up sooner: the loop polls again
  bool quiet = false;                 // no "retrying" lines on stderr
};

class SlurmExecutor : public Executor {
 public:
  SlurmExecutor(std::filesystem::path state_dir, SlurmOptions options = {});

  std::string name() const override { return "slurm"; }
  std::string submit(const JobRequest& job) override;
  std::vector<std::string> submit_many(const std::vector<JobRequest>& jobs) override;
  std::map<std::string, JobStatus> poll(const std::vector<std::string>& ids) override;
  bool submits_as_one() const override { return opt_.use_array; }
  void cancel(const std::string& id) override;
  std::optional<std::string> find_by_name(const std::string& job_name) override;

  int retries() const { return retries_; }  // transient command failures retried so far
  bool accounting() const { return accounting_; }
  const std::filesystem::path& state_dir() const { return dir_; }

 private:
  ProcessResult run(std::vector<std::string> argv);
  // Runs until Ok/Permanent or the budget is spent; returns the last result and its outcome.
  std::pair<ProcessResult, CommandOutcome> run_retrying(
      const std::vector<std::string>& argv, double budget_seconds,
      CommandOutcome (*classify)(const ProcessResult&));
  // Ids of jobs (array tasks as "A_k") named `name`: nullopt when Slurm could not be asked.
  std::optional<std::vector<std::string>> try_jobs_named(const std::string& name);
  std::vector<std::string> jobs_named(const std::string& name);  // retries, throws
  std::string sbatch(const std::vector<std::string>& args, const std::string& job_name,
                     const std::optional<std::string>& baseline, const std::string& what);
  std::string write_array_wrapper(const std::vector<JobRequest>& jobs, std::string* array_name);
  void note_retry(const std::string& what, const ProcessResult& r, double delay);

  std::filesystem::path dir_;
  SlurmOptions opt_;
  bool accounting_ = true;  // false once sacct said accounting storage is disabled
  int retries_ = 0;
  std::string last_error_;  // of the latest failed look-up, for messages
};

// The status of a job in Slurm state `state` ("COMPLETED", "CANCELLED by 0", "FAILED", ...)
// with exit code text `exit_code` ("1:0" = exit code 1, "0:15" = signal 15) and scheduler
// reason `reason` (may be ""). Pending-like states are Queued, running-like ones Running.
// Throws Error on a state it does not know.
JobStatus slurm_job_status(const std::string& state, const std::string& exit_code,
                           const std::string& reason = "");

// The job id in `sbatch --parsable` output ("123", "123;cluster", with a trailing newline);
// throws Error when there is none.
std::string parse_sbatch_parsable(const std::string& out);

// True for a command failure worth retrying (controller unreachable, timeouts, ...).
bool slurm_transient_failure(const ProcessResult& r);

// "D-HH:MM:SS" for `seconds` (what #SBATCH --time takes).
std::string format_slurm_time(double seconds);

}  // namespace mixbo
