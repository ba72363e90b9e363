#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"

namespace mixbo {

std::string describe(const CampaignConfig& c) {
  std::ostringstream o;
  const auto& sp = c.space;
  o << "campaign   " << c.name << "  (seed " << c.seed << ")\n";
  o << "file       " << (c.file.empty() ? "(flags only)" : c.file.string()) << "\n";
  o << "workdir    " << c.workdir.string() << "\n";
  o << "domains    " << sp.k() << "\n";
  for (int i = 0; i < sp.k(); ++i) {
    o << "  " << std::left << std::setw(20) << sp.simplex().names()[static_cast<size_t>(i)]
      << std::right << std::fixed << std::setprecision(3) << " [" << sp.simplex().lower()[i] << ", "
      << sp.simplex().upper()[i] << "]\n";
  }
  o << "scales     " << sp.scales().size() << " (target " << sp.scales().target_scale().name
    << ")\n";
  for (const auto& s : sp.scales().scales()) {
    o << "  " << std::left << std::setw(8) << s.name << std::right << std::scientific
      << std::setprecision(2) << " params " << s.params << std::fixed << std::setprecision(5)
      << "  step cost " << s.step_cost << "  full run "
      << sp.cost(sp.scales().index_of(s.name), sp.steps().max_steps())
      << (s.name == sp.scales().target_scale().name ? "  <- target" : "") << "\n";
  }
  o << "steps      checkpoint every " << sp.steps().interval() << ", full run "
    << sp.steps().max_steps() << ", budgets";
  for (auto b : sp.steps().budgets()) o << " " << b;
  o << "\n";
  o << "objective  " << (c.objective.minimize ? "minimize " : "maximize ") << c.objective.text
    << "\n";
  o << std::setprecision(3) << "budget     " << c.budget
    << " cost units = " << c.budget / sp.target_run_cost() << " full target-scale runs\n";
  o << "executor   " << c.executor.type << ", " << c.executor.max_concurrent << " concurrent, "
    << c.executor.max_attempts << " attempts per trial"
    << (c.executor.synchronous ? ", synchronous rounds" : "") << ", stops after "
    << c.executor.stop_after_failures << " failed jobs in a row\n";
  if (c.executor.type != "simulated") o << "job        " << c.job.template_path.string() << "\n";
  if (c.executor.type == "slurm") {
    o << "slurm      partition " << (c.slurm.partition.empty() ? "(default)" : c.slurm.partition)
      << ", time " << c.slurm.default_time_limit << (c.executor.slurm_array ? ", job arrays" : "")
      << "\n";
  }
  o << "simulator  " << c.simulator.type
    << (c.simulator.file.empty() ? "" : " (" + c.simulator.file.string() + ")")
    << (c.simulator.type == "law-family" ? " member " + std::to_string(c.simulator.seed) : "")
    << "\n";
  o << "strategy   " << c.strategy.type << ", acquisition " << c.strategy.acquisition << ", n_init "
    << c.strategy.n_init;
  if (const int pairs = c.strategy.design_pairs_for(c.space); pairs > 0)
    o << " (the last " << pairs << " repeat the first at " << c.space.scales()[1].name << ")";
  if (const int reps = c.strategy.design_replicates_for(c.space);
      reps > 0 && c.strategy.type == "mfms-bo")
    o << "; after it its first " << reps
      << " again with other seeds, one after each of the first acquisition runs, for the seed "
         "noise; none more once one agrees with its run bit for bit (run_noise = auto"
      << (c.strategy.design_cost(c.space) >= StrategyOptions::kDesignShare * c.budget
              ? "; but the design costs a third of this budget, where it stops and no repeat "
                "is made: no size is measured, raise campaign.budget or declare "
                "strategy.run_noise)"
              : ")");
  if (c.strategy.type == "sf-bo" && c.strategy.run_noise == StrategyOptions::kAutoRunNoise)
    o << "; run_noise = auto: sf-bo's design (target runs) makes no repeats, so no seed noise is "
         "measured (declare it)";
  if (const auto steps = c.strategy.design_steps_for(c.space);
      c.strategy.type == "mfms-bo" && steps != c.space.steps().max_steps())
    o << "; mfms-bo's design: " << c.strategy.design_runs_for(c.space) << " runs, those at "
      << c.space.scales()[0].name << " " << steps << " steps long"
      << (c.strategy.design_steps == StrategyOptions::kAutoSteps ? " (auto)" : "");
  o << "\n";
  o << "kernel     " << c.strategy.kernel_expression()
    << (c.strategy.kernel == "auto" ? " (auto)" : "") << "\n";
  // The GP strategies' value and interval take in trend models (gp_bo.hpp), to which "auto"
  // gives kernels of their own.
  const auto trends = c.strategy.trend_kernel_expressions();
  if ((c.strategy.type == "mfms-bo" || c.strategy.type == "sf-bo") &&
      trends != std::vector{c.strategy.kernel_expression()}) {
    o << "trend      ";
    for (size_t i = 0; i < trends.size(); ++i) o << (i ? " and " : "") << trends[i];
    o << " (auto), the value's trend models\n";
  }
  return o.str();
}

}  // namespace mixbo
