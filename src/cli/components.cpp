#include "components.hpp"

#include "mixbo/acq/acquisition.hpp"
#include "mixbo/exec/make_executor.hpp"
#include "mixbo/gp/kernel_parser.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "mixbo/strategy/strategy_registry.hpp"

namespace mixbo::cli {

void check_component_names(const CampaignConfig& config) {
  // In the order of the campaign file's sections.
  check_executor_name(config.executor_setup());
  check_simulator_name(config.simulator, config_source(config));
  check_strategy_names(config.strategy_setup());
}

CampaignConfig load_checked_config(const std::filesystem::path& file,
                                   const std::vector<std::string>& flags) {
  CampaignConfig c = load_config(file, flags);
  check_component_names(c);
  return c;
}

std::unique_ptr<Executor> make_configured_executor(const CampaignConfig& config) {
  return make_executor(config.executor_setup(), simulated_trial_runner());
}

std::map<std::string, std::string> component_choices() {
  return {{"executor.type", executor_registry().help_text()},
          {"simulator.type", simulator_registry().help_text()},
          {"strategy.type", strategy_registry().help_text()},
          {"strategy.acquisition", acquisition_registry().help_text()},
          {"strategy.kernel", kernel_registry().help_text()}};
}

}  // namespace mixbo::cli
