#pragma once
// Where proxy training runs execute. The loop writes a trial directory with a rendered job
// script, asks an executor to run it, polls it, and reads the result file it leaves behind.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mixbo {

struct JobRequest {
  std::string trial_id;             // "t0007"
  std::string job_name;             // "mixbo-<campaign>-<instance>-<trial>": unique, to re-adopt
  std::filesystem::path trial_dir;  // holds params, job.sbatch, stdout/stderr, result.h5
  std::filesystem::path script;     // the rendered job script
  int attempt = 1;
};

enum class JobPhase { Queued, Running, Completed, Failed };

struct JobStatus {
  JobPhase phase = JobPhase::Queued;
  std::string reason;  // e.g. "TIMEOUT", "exit code 1", "signal 9"
  int exit_code = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Starts the job and returns its id. Throws Error when it cannot be submitted.
  virtual std::string submit(const JobRequest& job) = 0;
  // Several jobs at once (Slurm: one job array); ids in request order. Default: one by one.
  virtual std::vector<std::string> submit_many(const std::vector<JobRequest>& jobs);
  // True when submit_many sends several jobs as one unit (a Slurm job array): the loop then
  // hands it a round's jobs together. False (default): the loop submits them one by one and
  // records each id at once, so a crash in the middle of a round loses none.
  virtual bool submits_as_one() const { return false; }
  // True when mixbo's own code writes the result files in this process (the simulated
  // executor): the loop reads them directly. False (default): a job wrote them, and the loop
  // reads each in a process of its own first (loop/isolated_result.hpp).
  virtual bool writes_results_itself() const { return false; }
  // Status of each id; ids the executor no longer knows are Failed with reason "unknown job".
  virtual std::map<std::string, JobStatus> poll(const std::vector<std::string>& ids) = 0;
  virtual void cancel(const std::string& id) = 0;
  // The id of a live or finished job of that name, to adopt a job submitted just before a
  // crash of the driver. nullopt when there is none.
  virtual std::optional<std::string> find_by_name(const std::string& job_name) = 0;
};

}  // namespace mixbo
