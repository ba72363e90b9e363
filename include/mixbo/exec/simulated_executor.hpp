#pragma once
// An executor that runs nothing itself: on submit it hands the trial folder to a TrialRunner,
// which runs the trial to completion in this process and leaves its result there (the
// composition root passes sim's simulated_trial_runner(): it reads params.ini, evaluates the
// simulator it names and writes result.h5 exactly as mixbo-proxy would, so the driver's ingest
// path is the real one). Jobs are then Completed on the next poll (Failed, with the reason,
// when the runner throws). Used by `mixbo bench`-like in-process runs and by fast end-to-end
// tests; state lives in memory only, so after a driver restart every old id is "unknown job"
// and find_by_name finds nothing. Taking the runner as a callable keeps exec free of sim.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "mixbo/exec/executor.hpp"

namespace mixbo {

// Runs the trial in a folder to completion in this process; throws when it cannot.
using TrialRunner = std::function<void(const std::filesystem::path& trial_dir)>;

class SimulatedExecutor : public Executor {
 public:
  explicit SimulatedExecutor(TrialRunner run_trial);
  std::string name() const override { return "simulated"; }
  std::string submit(const JobRequest& job) override;
  std::map<std::string, JobStatus> poll(const std::vector<std::string>& ids) override;
  void cancel(const std::string& id) override;
  std::optional<std::string> find_by_name(const std::string& job_name) override;
  bool writes_results_itself() const override { return true; }

  int submitted() const { return next_id_ - 1; }

 private:
  TrialRunner run_trial_;
  std::map<std::string, JobStatus> jobs_;
  std::map<std::string, std::string> by_name_;
  int next_id_ = 1;
};

}  // namespace mixbo
