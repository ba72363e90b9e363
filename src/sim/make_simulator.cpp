#include <cmath>

#include "mixbo/core/error.hpp"
#include "mixbo/sim/bimix_simulator.hpp"
#include "mixbo/sim/law_family.hpp"
#include "mixbo/sim/mlp_simulator.hpp"
#include "mixbo/sim/simulator.hpp"

namespace mixbo {

std::unique_ptr<Simulator> make_simulator(const SimulatorConfig& config,
                                          const std::vector<std::string>& domains) {
  if (config.type == "bimix") return std::make_unique<BimixSimulator>(domains);
  if (config.type == "law-family")
    return std::make_unique<LawFamilySimulator>(config.seed, static_cast<int>(domains.size()),
                                                config.target_params);
  if (config.type == "mlp") {
    if (config.file.empty())
      throw ConfigError("simulator.file: the mlp simulator needs a weights file");
    return std::make_unique<MlpCampaignSimulator>(config.file, domains);
  }
  throw ConfigError("simulator.type: unknown simulator '" + config.type +
                    "' (bimix | mlp | law-family)");
}

std::unique_ptr<Simulator> make_simulator(const SimulatorConfig& config, const SearchSpace& space) {
  auto sim = make_simulator(config, space.simplex().names());
  if (const auto* m = dynamic_cast<const MlpCampaignSimulator*>(sim.get())) {
    // A ReLU network extrapolates linearly and without warning: refuse scales and steps far
    // (> 3 std-devs) outside the data it was trained on.
    const auto& mlp = m->mlp();
    for (const auto& s : space.scales().scales()) {
      const double z = (s.params / 1e6 - mlp.size_mean()) / mlp.size_std();
      if (std::abs(z) > 3)
        throw ConfigError("scales: scale '" + s.name +
                          "' lies far outside the model sizes the mlp "
                          "simulator " +
                          config.file.string() + " was trained on");
    }
    const double z =
        (static_cast<double>(space.steps().max_steps()) - mlp.step_mean()) / mlp.step_std();
    if (std::abs(z) > 3)
      throw ConfigError("steps.max: " + std::to_string(space.steps().max_steps()) +
                        " lies far outside the steps the mlp simulator " + config.file.string() +
                        " was trained on");
  }
  return sim;
}

}  // namespace mixbo
