#pragma once
// An executor that runs nothing: on submit it reads the trial's params.ini, evaluates the
// simulator it names in-process and writes result.h5 with write_result, exactly what
// mixbo-proxy would leave behind, so the driver's ingest path is the real one. Jobs are then
// Completed on the next poll (Failed, with the reason, when the params cannot be simulated).
// Used by `mixbo bench` and by fast end-to-end tests; state lives in memory only, so after a
// driver restart every old id is "unknown job" and find_by_name finds nothing.
#include <map>
#include <memory>
#include <string>

#include "mixbo/exec/executor.hpp"
#include "mixbo/sim/simulator.hpp"

namespace mixbo {

class SimulatedExecutor : public Executor {
 public:
  SimulatedExecutor() = default;
  ~SimulatedExecutor() override;
  std::string name() const override { return "simulated"; }
  std::string submit(const JobRequest& job) override;
  std::map<std::string, JobStatus> poll(const std::vector<std::string>& ids) override;
  void cancel(const std::string& id) override;
  std::optional<std::string> find_by_name(const std::string& job_name) override;

  int submitted() const { return next_id_ - 1; }

 private:
  const Simulator& simulator_for(const SimulatorConfig& c, const std::vector<std::string>& domains);

  std::map<std::string, std::unique_ptr<Simulator>> simulators_;  // loaded once per kind
  std::map<std::string, JobStatus> jobs_;
  std::map<std::string, std::string> by_name_;
  int next_id_ = 1;
};

}  // namespace mixbo
