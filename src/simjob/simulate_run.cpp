#include "mixbo/simjob/simulate_run.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <random>

#include "mixbo/core/error.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

namespace {
constexpr std::uint64_t kRunNoiseStream = 0x72756e5f6e6f6973;  // "run_nois"
}  // namespace

std::vector<std::int64_t> run_checkpoints(std::int64_t steps, std::int64_t interval) {
  if (steps <= 0 || interval <= 0)
    throw Error("a run needs a positive step budget and checkpoint interval (got steps=" +
                std::to_string(steps) + ", interval=" + std::to_string(interval) + ")");
  std::vector<std::int64_t> out;
  for (std::int64_t s = interval; s <= steps; s += interval) out.push_back(s);
  if (out.empty() || out.back() != steps) out.push_back(steps);
  return out;
}

ResultCurve simulate_curve(const Simulator& sim, const Eigen::VectorXd& w, double params,
                           const std::vector<std::int64_t>& checkpoints, RunNoise noise,
                           std::uint64_t seed) {
  const auto names = sim.metrics();
  ResultCurve c;
  c.steps = checkpoints;
  for (const auto& m : names) c.metrics[m].reserve(checkpoints.size());
  for (const auto step : checkpoints) {
    const Eigen::VectorXd v = sim.evaluate(w, params, step);
    for (size_t i = 0; i < names.size(); ++i)
      c.metrics[names[i]].push_back(v[static_cast<Eigen::Index>(i)]);
  }
  if (noise.checkpoint > 0) {
    for (size_t i = 0; i < names.size(); ++i) {
      Rng rng = make_rng(seed, i);
      std::normal_distribution<double> n(0.0, noise.checkpoint);
      for (auto& x : c.metrics[names[i]]) x += n(rng);
    }
  }
  if (noise.run > 0) {
    // A stream no metric's checkpoint noise uses, so adding run noise leaves those draws as
    // they were.
    Rng rng = make_rng(seed, kRunNoiseStream);
    const double shift = std::normal_distribution<double>(0.0, noise.run)(rng);
    for (const auto& m : names)
      for (auto& x : c.metrics[m]) x += shift;
  }
  return c;
}

SimulatorOptions simulator_options(const TrialParams& p) {
  SimulatorOptions s;
  s.type = p.simulator;
  s.file = p.simulator_file;
  s.seed = p.simulator_seed;
  s.target_params = p.simulator_target_params;
  s.noise = p.noise;
  s.run_noise = p.run_noise;
  s.sleep_per_cost = p.sleep_per_cost;
  return s;
}

ResultCurve simulate_trial(const Simulator& sim, const TrialParams& p) {
  if (p.mixture.size() != p.domains.size())
    throw Error("trial " + p.trial_id + ": mixture has " + std::to_string(p.mixture.size()) +
                " proportions for " + std::to_string(p.domains.size()) + " domains");
  if (!(p.scale_params > 0)) throw Error("trial " + p.trial_id + ": scale_params must be positive");
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(
      p.mixture.data(), static_cast<Eigen::Index>(p.mixture.size()));
  auto c = simulate_curve(sim, w, p.scale_params, run_checkpoints(p.steps, p.checkpoint_interval),
                          RunNoise{p.noise, p.run_noise}, p.seed);
  c.trial_id = p.trial_id;
  c.status = "ok";
  return c;
}

std::function<void(const std::filesystem::path&)> simulated_trial_runner() {
  using Cache = std::map<std::string, std::unique_ptr<Simulator>>;
  auto cache = std::make_shared<Cache>();
  return [cache](const std::filesystem::path& trial_dir) {
    const TrialParams p = read_params(trial_dir / "params.ini");
    const SimulatorOptions c = simulator_options(p);
    std::string key = c.type + "\n" + c.file.string();
    for (const auto& d : p.domains) key += "\n" + d;
    auto& slot = (*cache)[key];
    if (!slot) slot = make_simulator(c, p.domains);
    write_result(p.result.empty() ? trial_dir / "result.h5" : p.result, simulate_trial(*slot, p));
  };
}

}  // namespace mixbo
