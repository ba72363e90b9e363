#pragma once
// The [simulator] section: which simulated objective runs stand in for training.
#include <cstdint>
#include <filesystem>
#include <string>

namespace mixbo {

struct SimulatorOptions {
  std::string type = "bimix";  // a name of simulator_registry()
  std::filesystem::path file;  // weights file of the mlp simulator
  std::uint64_t seed = 0;      // law-family: which member
  double target_params = 0;    // law-family: the target scale's size (its optimum is exact there)
  double noise = 0.0;          // std-dev of Gaussian observation noise, at every checkpoint
  // Std-dev of one Gaussian shift per run, shared by all its checkpoints and metrics: a real
  // run's seed puts its whole curve above or below another seed's (README, tiny-lm: "Noise").
  double run_noise = 0.0;
  double sleep_per_cost = 0.0;  // seconds a proxy run sleeps per unit of cost (demo realism)

  // ConfigError "key 'simulator.KEY' ..." (mlp without a file, negative noise, run noise or sleep).
  void validate() const;
};

}  // namespace mixbo
