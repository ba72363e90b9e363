#include "mixbo/exec/simulated_executor.hpp"

#include "mixbo/core/error.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/sim/simulate_run.hpp"

namespace mixbo {

SimulatedExecutor::~SimulatedExecutor() = default;

const Simulator& SimulatedExecutor::simulator_for(const SimulatorConfig& c,
                                                  const std::vector<std::string>& domains) {
  std::string key = c.type + "\n" + c.file.string();
  for (const auto& d : domains) key += "\n" + d;
  auto& slot = simulators_[key];
  if (!slot) slot = make_simulator(c, domains);
  return *slot;
}

std::string SimulatedExecutor::submit(const JobRequest& job) {
  const std::string id = "sim-" + std::to_string(next_id_++);
  JobStatus st;
  try {
    const TrialParams p = read_params(job.trial_dir / "params.ini");
    const auto result = p.result.empty() ? job.trial_dir / "result.h5" : p.result;
    write_result(result, simulate_trial(simulator_for(simulator_config(p), p.domains), p));
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
