#pragma once
// Resuming a campaign with a changed setting that gives its records their meaning would relabel
// them silently (a 100M run read as 50M, a loss read as a gain). These settings must match the
// archive: campaign.name (it names the jobs), space.domains, space.lower, space.upper,
// scales.names, scales.params, scales.step_costs, scales.target, steps.interval, steps.max,
// objective.metric, objective.direction. Everything else (budget, seed, step budgets of new runs,
// executor, job, slurm, simulator and strategy settings) may change between runs of `mixbo run`.
#include <filesystem>
#include <string>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/io/archive.hpp"

namespace mixbo {

// "0.5*code_CE + 1*web_CE": terms sorted by name, weights printed exactly.
std::string objective_normal_form(const ObjectiveOptions& o);

// Throws ConfigError naming the first key of `c` that differs from what `a` (read from
// `archive_path`) recorded, with both values.
void check_resume(const Archive& a, const CampaignConfig& c,
                  const std::filesystem::path& archive_path);

}  // namespace mixbo
