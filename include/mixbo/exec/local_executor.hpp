#pragma once
// The embedded default executor: runs each job script with bash on this machine.
//
// Every job gets a folder <state_dir>/<id> (id = "<job name>.<attempt>") holding
//   request  trial folder and script, written atomically by submit() (the job is then queued)
//   lock     flock()ed by the job's supervisor for as long as the job lives
//   pid      "<supervisor pid> <job process group>", written by the supervisor once started
//            (group 0 before it has forked the job)
//   exit     "<exit code> <signal> <reason>", written atomically by the supervisor at the end
// The supervisor is a forked child of the driver in its own session; it starts `bash script` in
// a new process group (stdout/stderr into the trial folder), enforces the script's
// `#SBATCH --time` limit, turns a cancel (SIGTERM to the supervisor) into SIGTERM then SIGKILL
// of the whole group, and records how the job ended. Because the driver takes the lock before
// fork() and the supervisor inherits it, the job's state is always one of: queued (request, lock
// free, no pid), running (lock held), finished (exit), lost (pid, lock free, no exit). A driver
// killed at any instant therefore leaves nothing ambiguous: a restarted driver finds the job by
// name (find_by_name), adopts a running or finished one and starts a queued one exactly once.
// The lock, not the pid, says whether a job is alive, so pid reuse cannot fool it.
#include <sys/types.h>

#include <deque>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "mixbo/exec/executor.hpp"

namespace mixbo {

class LocalExecutor : public Executor {
 public:
  // `kill_grace_seconds`: time between SIGTERM and SIGKILL on cancel or timeout.
  LocalExecutor(std::filesystem::path state_dir, int max_concurrent,
                double kill_grace_seconds = 5.0);
  // Jobs outlive the executor (and the driver) on purpose: a restart adopts them.
  ~LocalExecutor() override;

  std::string name() const override { return "local"; }
  std::string submit(const JobRequest& job) override;
  std::map<std::string, JobStatus> poll(const std::vector<std::string>& ids) override;
  void cancel(const std::string& id) override;
  std::optional<std::string> find_by_name(const std::string& job_name) override;

  int running();  // jobs alive now (started, not finished)
  const std::filesystem::path& state_dir() const { return dir_; }

 private:
  JobStatus status_of(const std::string& id);
  void launch_queued();
  bool launch(const std::string& id);
  void reap();

  std::filesystem::path dir_;
  int max_concurrent_;
  double grace_;
  std::deque<std::string> queue_;
  std::set<std::string> active_;
  std::vector<pid_t> children_;
};

// True when some process holds the flock on `lock` (a local job's `lock` file: the job lives).
bool job_lock_held(const std::filesystem::path& lock);

// The time limit a job script asks for (`#SBATCH --time=` / `-t`), in seconds; 0 = none.
double script_time_limit(const std::filesystem::path& script);
// Slurm's formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; UNLIMITED/INFINITE -> 0.
// Throws Error on anything else.
double parse_slurm_time(const std::string& text);

}  // namespace mixbo
