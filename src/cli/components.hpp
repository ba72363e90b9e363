#pragma once
// The composition root's view of the component registries (core/registry.hpp): the strategies,
// acquisitions, executors and simulators a campaign may name. config holds those names as plain
// strings; here they are checked, right after loading, before anything is created or submitted,
// and listed in every command's --help.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/exec/executor.hpp"

namespace mixbo::cli {

// ConfigError naming the file and the key when strategy.type, strategy.acquisition,
// executor.type or simulator.type names nothing registered.
void check_component_names(const CampaignConfig& config);

// load_config, then check_component_names: how every command reads a campaign, so each refuses
// an unknown component name before it touches anything (as when config checked the names).
CampaignConfig load_checked_config(const std::filesystem::path& file,
                                   const std::vector<std::string>& flags);

// The executor config.executor.type names; the simulated one runs sim's
// simulated_trial_runner() (exec knows no simulator, so the root wires them).
std::unique_ptr<Executor> make_configured_executor(const CampaignConfig& config);

// key -> one "name: help" line per registered value, for config_reference().
std::map<std::string, std::string> component_choices();

}  // namespace mixbo::cli
