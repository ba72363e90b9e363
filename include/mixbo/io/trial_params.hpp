#pragma once
// What a training job needs to know, written by the driver into the trial directory as
// `params.ini` (key = value lines, readable from any language) and exported as MIXBO_*
// environment variables by the job script. Values are data, never shell code.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mixbo {

struct TrialParams {
  std::string trial_id;  // "t0007"
  std::string campaign;  // campaign name
  std::string instance;  // the campaign archive's instance id ("" in runs made outside mixbo)
  int attempt = 1;
  std::vector<std::string> domains;
  std::vector<double> mixture;  // one proportion per domain, sums to 1
  std::string scale;            // scale name, e.g. "150M"
  double scale_params = 0;      // parameter count
  std::int64_t steps = 0;       // step budget of this run
  std::int64_t checkpoint_interval = 0;
  std::uint64_t seed = 0;  // seed for the training run
  std::filesystem::path trial_dir;
  std::filesystem::path result;      // where the job must write result.h5
  std::vector<std::string> metrics;  // metrics the driver needs in the result
  // Simulator settings (read by mixbo-proxy only).
  std::string simulator = "bimix";
  std::filesystem::path simulator_file;
  std::uint64_t simulator_seed = 0;    // law-family member
  double simulator_target_params = 0;  // law-family: the campaign's target size
  double noise = 0;                    // std-dev of the noise at every checkpoint
  double run_noise = 0;                // std-dev of the run's one shift (simulator_options.hpp)
  double sleep_per_cost = 0;
  double cost = 0;  // cost of this run in the campaign's unit
};

// Writes atomically (temporary file, fsync, rename).
void write_params(const std::filesystem::path& file, const TrialParams& p);
// Throws Error naming the file and key on a missing or malformed entry.
TrialParams read_params(const std::filesystem::path& file);
// The MIXBO_* environment a job gets: MIXBO_TRIAL_ID, MIXBO_TRIAL_DIR, MIXBO_PARAMS,
// MIXBO_RESULT, MIXBO_SCALE, MIXBO_SCALE_PARAMS, MIXBO_STEPS, MIXBO_CHECKPOINT_INTERVAL,
// MIXBO_SEED, MIXBO_DOMAINS (comma list), MIXBO_MIXTURE (comma list), MIXBO_METRICS.
std::map<std::string, std::string> params_environment(const TrialParams& p,
                                                      const std::filesystem::path& params_file);

}  // namespace mixbo
