#include "mixbo/exec/make_executor.hpp"

#include "mixbo/core/error.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "mixbo/exec/simulated_executor.hpp"
#include "mixbo/exec/slurm_executor.hpp"

namespace mixbo {

std::unique_ptr<Executor> make_executor(const CampaignConfig& config) {
  const auto& type = config.executor.type;
  if (type == "local")
    return std::make_unique<LocalExecutor>(config.workdir / "local",
                                           config.executor.max_concurrent);
  if (type == "slurm") {
    SlurmOptions o;
    o.use_array = config.slurm.use_array;
    return std::make_unique<SlurmExecutor>(config.workdir / "slurm", o);
  }
  if (type == "simulated") return std::make_unique<SimulatedExecutor>();
  throw ConfigError("executor.type '" + type + "' is not available in this build yet");
}

}  // namespace mixbo
