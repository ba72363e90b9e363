#include <cmath>

#include "mixbo/core/error.hpp"
#include "mixbo/sim/bimix_simulator.hpp"
#include "mixbo/sim/law_family.hpp"
#include "mixbo/sim/mlp_simulator.hpp"
#include "mixbo/sim/simulator.hpp"

namespace mixbo {

const Registry<SimulatorFactory>& simulator_registry() {
  // One line per simulator; the order is the order errors and --help list them in.
  static const Registry<SimulatorFactory> r = [] {
    Registry<SimulatorFactory> reg("simulator");
    reg.add("bimix", "the BiMix law with built-in constants (sim/bimix_simulator.hpp)",
            [](const SimulatorOptions&,
               const std::vector<std::string>& domains) -> std::unique_ptr<Simulator> {
              return std::make_unique<BimixSimulator>(domains);
            });
    reg.add("mlp", "the paper authors' MLP loss simulator; simulator.file holds its weights",
            [](const SimulatorOptions& c,
               const std::vector<std::string>& domains) -> std::unique_ptr<Simulator> {
              if (c.file.empty())
                throw ConfigError("simulator.file: the mlp simulator needs a weights file");
              return std::make_unique<MlpCampaignSimulator>(c.file, domains);
            });
    reg.add("law-family", "member simulator.seed of a family of random laws (sim/law_family.hpp)",
            [](const SimulatorOptions& c,
               const std::vector<std::string>& domains) -> std::unique_ptr<Simulator> {
              return std::make_unique<LawFamilySimulator>(c.seed, static_cast<int>(domains.size()),
                                                          c.target_params);
            });
    return reg;
  }();
  return r;
}

void check_simulator_name(const SimulatorOptions& options, const std::string& source) {
  simulator_registry().get(options.type, source, "simulator.type");
}

std::unique_ptr<Simulator> make_simulator(const SimulatorOptions& config,
                                          const std::vector<std::string>& domains) {
  const auto* e = simulator_registry().find(config.type);
  if (!e)
    throw ConfigError("simulator.type: unknown simulator '" + config.type + "' (" +
                      simulator_registry().names_text(" | ") + ")");
  return e->make(config, domains);
}

std::unique_ptr<Simulator> make_simulator(const SimulatorOptions& config,
                                          const SearchSpace& space) {
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
