#pragma once
// A stand-in for a real training run: metric values of a model of `params` parameters trained
// on mixture w for `step` steps. Used by mixbo-proxy (inside a job script), by the simulated
// executor and by `mixbo bench`.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/config/simulator_options.hpp"
#include "mixbo/core/registry.hpp"
#include "mixbo/space/search_space.hpp"

namespace mixbo {

class Simulator {
 public:
  virtual ~Simulator() = default;
  virtual std::vector<std::string> metrics() const = 0;
  // One value per metric, in metrics() order.
  virtual Eigen::VectorXd evaluate(const Eigen::VectorXd& w, double params,
                                   std::int64_t step) const = 0;
};

// The simulators a campaign's simulator.type may name, by name (core/registry.hpp). A new
// simulator is its own file plus one add() line in src/sim/make_simulator.cpp.
using SimulatorFactory = std::function<std::unique_ptr<Simulator>(
    const SimulatorOptions&, const std::vector<std::string>& domains)>;
const Registry<SimulatorFactory>& simulator_registry();

// ConfigError naming `source` (the campaign file) and the key when simulator.type names
// nothing registered.
void check_simulator_name(const SimulatorOptions& options, const std::string& source);

// The simulator a campaign's [simulator] section names, for the campaign's domains.
// Throws ConfigError when it does not fit (e.g. the MLP file's domains differ).
// Also checks that the space's scales and step budget lie where the simulator is trustworthy.
std::unique_ptr<Simulator> make_simulator(const SimulatorOptions& config, const SearchSpace& space);
// The same for a bare list of domain names (what a job's params.ini carries): no range checks.
std::unique_ptr<Simulator> make_simulator(const SimulatorOptions& config,
                                          const std::vector<std::string>& domains);

}  // namespace mixbo
