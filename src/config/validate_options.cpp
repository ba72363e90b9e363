// The semantic checks of every section's options struct. load_config only turns text into
// typed values; what a value must satisfy lives here, next to no parsing, so a struct filled in
// code (tests, the bench suite) is checked the same way as one read from a file.
#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <string>

#include "mixbo/config/executor_options.hpp"
#include "mixbo/config/job_options.hpp"
#include "mixbo/config/objective_options.hpp"
#include "mixbo/config/simulator_options.hpp"
#include "mixbo/config/strategy_options.hpp"
#include "mixbo/core/error.hpp"

namespace mixbo {
namespace {

// The bounds are sanity limits as much as meaning: no count anywhere overflows an int.
void in_range(const std::string& key, long long value, long long lo, long long hi) {
  if (value < lo || value > hi)
    throw_key_error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                             ", got " + std::to_string(value));
}

}  // namespace

void ObjectiveOptions::validate() const {
  if (terms.empty()) throw_key_error("objective.metric", "names no metric");
  std::set<std::string> seen;
  for (const auto& [name, weight] : terms) {
    if (name.empty()) throw_key_error("objective.metric", "has a term without a metric name");
    if (weight == 0 || !std::isfinite(weight))
      throw_key_error("objective.metric", "has a zero or non-finite weight for '" + name + "'");
    if (!seen.insert(name).second)
      throw_key_error("objective.metric", "names metric '" + name + "' twice (give it one weight)");
  }
}

void StrategyOptions::validate(const SearchSpace& space) const {
  in_range("strategy.n_init", n_init, 0, 100'000);
  if (design_pairs != kAutoPairs) in_range("strategy.design_pairs", design_pairs, 0, n_init / 2);
  if (design_pairs > 0 && space.scales().size() < 2)
    throw_key_error("strategy.design_pairs",
                    "needs a second scale to repeat the design's mixtures at; the ladder has one");
  if (design_steps != kFullLength && design_steps != kAutoSteps) {
    const auto& b = space.steps().budgets();
    if (std::find(b.begin(), b.end(), design_steps) == b.end()) {
      std::string budgets;
      for (const auto z : b) budgets += (budgets.empty() ? "" : ", ") + std::to_string(z);
      throw_key_error("strategy.design_steps",
                      "is " + std::to_string(design_steps) +
                          ", not a step budget (steps.budgets: " + budgets + ")");
    }
    if (design_steps < space.steps().max_steps() && space.scales().size() < 2)
      throw_key_error("strategy.design_steps",
                      "needs a scale below the target for shorter runs; the ladder has one (a run "
                      "at the target is full length)");
  }
  in_range("strategy.batch", batch, 0, 100'000);
  in_range("strategy.fit_starts", fit_starts, 1, 100'000);
  in_range("strategy.raw_samples", raw_samples, 1, 10'000'000);
  in_range("strategy.refine_starts", refine_starts, 1, 100'000);
  in_range("strategy.hyperband_eta", hyperband_eta, 2, 1000);
  in_range("strategy.regmix_runs", regmix_runs, 1, 100'000);
  if (output != "auto" && output != "log" && output != "raw")
    throw_key_error("strategy.output", "is '" + output + "'; allowed: auto, log, raw");
  if (checkpoints != "thinned" && checkpoints != "all")
    throw_key_error("strategy.checkpoints", "is '" + checkpoints + "'; allowed: thinned, all");
  if (recommend_within != "hull" && recommend_within != "simplex")
    throw_key_error("strategy.recommend_within",
                    "is '" + recommend_within + "'; allowed: hull, simplex");
  if (!(reach_z >= 0 && reach_z <= 100))
    throw_key_error("strategy.reach_z", "must be in [0, 100] posterior sds (0: never)");
  if (run_noise != kAutoRunNoise && (!(run_noise >= 0) || !std::isfinite(run_noise)))
    throw_key_error("strategy.run_noise", "must be auto or a finite standard deviation >= 0");
  if (run_noise != 0 && checkpoints == "all")
    throw_key_error("strategy.run_noise",
                    "is not supported with strategy.checkpoints = all (the GP on every checkpoint "
                    "has no run effect); set one of them to its default");
  if (answer_modes != "map" && answer_modes != "transfer")
    throw_key_error("strategy.answer_modes", "is '" + answer_modes + "'; allowed: map, transfer");
  if (!bimix_scale.empty() && space.scales().index_of(bimix_scale) < 0)
    throw_key_error("strategy.bimix_scale", "names unknown scale '" + bimix_scale + "'");
  if (!bimix_entropy.empty() && static_cast<int>(bimix_entropy.size()) != space.k())
    throw_key_error("strategy.bimix_entropy", "needs one value per domain");
}

int StrategyOptions::design_pairs_for(const SearchSpace& space) const {
  if (design_pairs != kAutoPairs) return design_pairs;
  return space.scales().size() >= 2 ? std::min(3, n_init / 2) : 0;
}

std::int64_t StrategyOptions::design_steps_for(const SearchSpace& space) const {
  if (design_steps == kFullLength || (design_steps == kAutoSteps && space.scales().size() < 2))
    return space.steps().max_steps();
  if (design_steps != kAutoSteps) return design_steps;
  const auto& budgets = space.steps().budgets();  // ascending, never empty
  const double most = kAutoDesignRunShare * space.target_run_cost();
  std::int64_t steps = budgets.front();
  for (const auto z : budgets)
    if (space.cost(0, z) <= most) steps = z;
  return steps;
}

namespace {
// The design's runs at the smallest scale.
int design_first_scale_runs(const StrategyOptions& o, const SearchSpace& space) {
  const auto per_full =
      std::max<std::int64_t>(1, space.steps().max_steps() / o.design_steps_for(space));
  return (o.n_init - o.design_pairs_for(space)) * static_cast<int>(per_full);
}
}  // namespace

int StrategyOptions::design_replicates_for(const SearchSpace& space) const {
  if (run_noise != kAutoRunNoise) return 0;
  return std::min(kAutoReplicates, design_first_scale_runs(*this, space));
}

double StrategyOptions::design_cost(const SearchSpace& space) const {
  const int pairs = design_pairs_for(space);
  return design_first_scale_runs(*this, space) * space.cost(0, design_steps_for(space)) +
         (pairs > 0 ? pairs * space.cost(1, space.steps().max_steps()) : 0.0);
}

int StrategyOptions::design_runs_for(const SearchSpace& space) const {
  return design_pairs_for(space) + design_first_scale_runs(*this, space);
}

std::string StrategyOptions::kernel_expression() const {
  if (kernel != "auto") return kernel;
  return checkpoints == "all" ? kSeparableKernel : kDefaultKernel;
}

std::vector<std::string> StrategyOptions::trend_kernel_expressions() const {
  if (kernel == "auto" && checkpoints != "all") return {kTrendKernel, kDefaultKernel};
  return {kernel_expression()};
}

void SimulatorOptions::validate() const {
  if (type == "mlp" && file.empty())
    throw_key_error("simulator.file", "is required when simulator.type = mlp");
  if (!(noise >= 0)) throw_key_error("simulator.noise", "must be non-negative");
  if (!(run_noise >= 0)) throw_key_error("simulator.run_noise", "must be non-negative");
  if (!(sleep_per_cost >= 0)) throw_key_error("simulator.sleep_per_cost", "must be non-negative");
}

void ExecutorOptions::validate() const {
  in_range("executor.max_concurrent", max_concurrent, 1, 100'000);
  in_range("executor.max_attempts", max_attempts, 1, 1000);
  // Failed trials cost nothing, so this stop is what ends a campaign whose jobs all fail.
  in_range("executor.stop_after_failures", stop_after_failures, 1, 1'000'000);
  if (!(poll_seconds > 0) || poll_seconds > 86400)
    throw_key_error("executor.poll_seconds", "must be in (0, 86400] seconds");
}

void SbatchOptions::validate(const SearchSpace& space) const {
  in_range("slurm.nodes", nodes, 1, 1'000'000);
  in_range("slurm.cpus_per_task", cpus_per_task, 1, 1'000'000);
  // Days up to 4 digits: Slurm's own limit is far below, and no count overflows.
  static const std::regex time_re(R"(^(\d{1,4}-)?\d{1,2}(:\d{2}){0,2}$)");
  if (!std::regex_match(default_time_limit, time_re))
    throw_key_error("slurm.time", "has malformed time limit '" + default_time_limit + "'");
  for (const auto& [scale, t] : time_limit) {
    if (!std::regex_match(t, time_re))
      throw_key_error("slurm.time", "has malformed time limit '" + t + "'");
    if (space.scales().index_of(scale) < 0)
      throw_key_error("slurm.time", "names unknown scale '" + scale + "'");
  }
  for (const auto& d : extra)
    if (d.find('\n') != std::string::npos || d.rfind("--", 0) != 0)
      throw_key_error("slurm.extra", "directive '" + d + "' must start with -- and be one line");
}

}  // namespace mixbo
