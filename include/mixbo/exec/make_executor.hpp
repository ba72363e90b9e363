#pragma once
// The executor a campaign's [executor] type names: local (LocalExecutor, job state under
// <workdir>/local), slurm (SlurmExecutor, array wrappers under <workdir>/slurm), simulated.
#include <memory>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/exec/executor.hpp"

namespace mixbo {

std::unique_ptr<Executor> make_executor(const CampaignConfig& config);

}  // namespace mixbo
