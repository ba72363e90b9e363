#include "mixbo/exec/simulated_executor.hpp"

#include "mixbo/core/error.hpp"

namespace mixbo {

SimulatedExecutor::SimulatedExecutor(TrialRunner run_trial) : run_trial_(std::move(run_trial)) {
  if (!run_trial_) throw Error("SimulatedExecutor needs a trial runner");
}

std::string SimulatedExecutor::submit(const JobRequest& job) {
  const std::string id = "sim-" + std::to_string(next_id_++);
  JobStatus st;
  try {
    run_trial_(job.trial_dir);
    st.phase = JobPhase::Completed;
  } catch (const std::exception& e) {
    // A run that cannot be simulated fails like a job would, with the reason in its status.
    st.phase = JobPhase::Failed;
    st.reason = e.what();
    st.exit_code = 1;
  }
  jobs_[id] = st;
  by_name_[job.job_name] = id;
  return id;
}
std::map<std::string, JobStatus> SimulatedExecutor::poll(const std::vector<std::string>& ids) {
  std::map<std::string, JobStatus> out;
  for (const auto& id : ids) {
    const auto it = jobs_.find(id);
    if (it != jobs_.end()) {
      out[id] = it->second;
    } else {
      JobStatus s;
      s.phase = JobPhase::Failed;
      s.reason = "unknown job";
      out[id] = s;
    }
  }
  return out;
}

void SimulatedExecutor::cancel(const std::string& id) {
  // Runs finish at submission, so there is nothing to stop; a finished job stays as it is.
  (void)id;
}

std::optional<std::string> SimulatedExecutor::find_by_name(const std::string& job_name) {
  const auto it = by_name_.find(job_name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace mixbo
