#pragma once
// `mixbo bench --suite`: issue 13's goals for the reference strategy (mfms-bo), checked on each
// objective of the suite from the same runs the per-objective reports come from:
//  1. speedup: the paper's speedup of the reference over every other strategy is >= 3x;
//  2. anytime dominance: at each report cost its median regret is no worse than the best other
//     strategy's (ratio <= 1);
//  3. no drift: of the seeds that came within eps, >= 90% never left 2 eps afterwards;
//  4. calibration: its 95% intervals held the truth in >= 90% of the rounds that stated one (the
//     law family: in its lowest member, since a goal has to hold on every objective);
//  5. hard budget: no campaign of any strategy spent more than the budget.
// The verdicts are computed, never typed in: a goal the runs cannot tell (no other strategy ran,
// no interval was stated) reads "-", not "yes".
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mixbo/suite/bench.hpp"
#include "mixbo/suite/family.hpp"
#include "mixbo/suite/goal_figures.hpp"
#include "mixbo/suite/metrics.hpp"

namespace mixbo {

struct ObjectiveGoals {
  std::string objective;
  std::optional<AgainstOthers> against;  // goals 1 and 2 (empty: no other strategy ran)
  int holds = 0, reached = 0;            // goal 3: the reference's seeds (family: all members')
  double coverage = std::numeric_limits<double>::quiet_NaN();  // goal 4 (NaN: none stated)
  int coverage_rounds = 0;  // the rounds behind `coverage` (family: the lowest member's)
  double coverage_median = std::numeric_limits<double>::quiet_NaN();  // the family's median member
  double coverage_pooled = std::numeric_limits<double>::quiet_NaN();  // every member's rounds
  int coverage_pooled_rounds = 0;
  double max_spent = 0, budget = 0;  // goal 5: the largest spend of any campaign, the budget
};

ObjectiveGoals goals_of(const std::string& objective, const BenchResult& r);
ObjectiveGoals goals_of(const std::string& objective, const std::vector<FamilyMember>& members);

// Per goal: true when reached, false when not, nullopt when the runs cannot tell.
std::optional<bool> speedup_reached(const ObjectiveGoals& g);
std::optional<bool> dominance_reached(const ObjectiveGoals& g);
std::optional<bool> holds_reached(const ObjectiveGoals& g);
std::optional<bool> coverage_reached(const ObjectiveGoals& g);
bool budget_kept(const ObjectiveGoals& g);

// One column per objective, one row per goal (goal 2 one row per report cost), each cell the
// verdict and the figure behind it.
std::string format_goals(const std::vector<ObjectiveGoals>& objectives,
                         const std::string& reference);
// The same as CSV: objective, goal, reached (1, 0 or empty), figure.
void write_goals_csv(const std::filesystem::path& file,
                     const std::vector<ObjectiveGoals>& objectives, const std::string& reference);

}  // namespace mixbo
