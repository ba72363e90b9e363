#pragma once
// One simulated training run, reported as a real job reports it: a learning curve with a value
// of every simulator metric at every checkpoint. Shared by mixbo-proxy (inside a job script),
// the simulated executor (in-process) and `mixbo bench`, so all three see the same numbers.
#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/sim/simulator.hpp"

namespace mixbo {

// Checkpoints interval, 2*interval, ..., and `steps` itself when it is not a multiple.
std::vector<std::int64_t> run_checkpoints(std::int64_t steps, std::int64_t interval);

// The noise of a simulated run (simulator.noise, simulator.run_noise): standard deviations.
struct RunNoise {
  double checkpoint = 0;  // independent at every checkpoint of every metric
  double run = 0;         // one shift of the whole run, the same for every checkpoint and metric
};

// Curve of a run with its noise, drawn from make_rng(seed, metric index) for the checkpoints'
// and from one more stream of the seed for the run's shift, so a trial's curve is the same on
// every replay.
ResultCurve simulate_curve(const Simulator& sim, const Eigen::VectorXd& w, double params,
                           const std::vector<std::int64_t>& checkpoints, RunNoise noise,
                           std::uint64_t seed);

// The simulator settings a trial's params carry ([simulator] of the campaign).
SimulatorOptions simulator_options(const TrialParams& p);

// The run a trial's params describe (mixture, scale_params, steps, checkpoint_interval, noise,
// run_noise, seed), with trial_id set and status "ok". Throws Error when the params do not fit the
// simulator (mixture length, non-positive sizes).
ResultCurve simulate_trial(const Simulator& sim, const TrialParams& p);

// The simulated executor's TrialRunner (exec/simulated_executor.hpp): simulates the trial in
// `trial_dir` as mixbo-proxy would (its params.ini names the simulator; each simulator is loaded
// once per kind, file and domains and kept by the returned function and its copies) and writes
// the result file the params name (default: trial_dir/result.h5).
std::function<void(const std::filesystem::path& trial_dir)> simulated_trial_runner();

}  // namespace mixbo
