#pragma once
// The best a campaign could possibly find on a simulator: the objective's minimum over the
// (bounded) simplex at the target scale and full steps, by a dense scrambled-Sobol sweep
// followed by NLopt COBYLA (derivative-free: the MLP simulator is piecewise linear) from the
// best sweep points. `mixbo bench` measures every strategy against it.
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "mixbo/config/objective_options.hpp"
#include "mixbo/sim/simulator.hpp"

namespace mixbo {

// A campaign objective evaluated on a simulator, oriented lower-is-better like a strategy sees
// it (a maximised objective is negated). Throws ConfigError when the simulator lacks a metric.
class SimulatedObjective {
 public:
  SimulatedObjective(const Simulator& sim, const ObjectiveOptions& objective);
  double operator()(const Eigen::VectorXd& w, double params, std::int64_t step) const;

 private:
  const Simulator* sim_;
  std::vector<std::pair<Eigen::Index, double>> terms_;  // metric index, signed weight
};

struct DenseOptimum {
  Eigen::VectorXd w;       // the minimiser found
  double value = 0;        // objective there (lower is better)
  double sweep_value = 0;  // best value of the Sobol sweep alone
  int evaluations = 0;
};

// Minimum at the space's target scale and max steps.
DenseOptimum dense_optimum(const Simulator& sim, const ObjectiveOptions& objective,
                           const SearchSpace& space, int sweep_points = 1 << 15, int starts = 16,
                           std::uint64_t seed = 0);

}  // namespace mixbo
