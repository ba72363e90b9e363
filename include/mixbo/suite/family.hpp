#pragma once
// `mixbo bench --family N`: the comparison suite on N members of the law family
// (sim/law_family.hpp), each member a differently shaped objective (3 to 10 domains, transfer
// across scales from poor to near perfect, interior or face optimum), reported one by one and
// summarised over the members, so that no single objective decides what "better" means.
#include <filesystem>
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/suite/bench.hpp"

namespace mixbo {

struct FamilyMember {
  int index = 0;
  CampaignConfig config;
  BenchResult result;
};

// Member m's campaign: the base campaign (`file` with `flags`, as `mixbo bench` loads it) with
// 3 + (3m mod 8) domains d1..dk without bounds, simulator law-family seed m, objective "loss"
// (minimised), and `budget`.
CampaignConfig family_member(const std::filesystem::path& file,
                             const std::vector<std::string>& flags, double budget, int m);

// A strategy over the members: the medians over members of each member's figures (its median
// over seeds), as the family summary prints them.
struct FamilySummary {
  // strategy, cost.median (of the members' median costs), regret_at and speedup (medians over
  // members): what format_against_others compares.
  StrategySummary medians;
  int members = 0;
  int members_reached = 0;  // members whose median seed came within eps
  int speedup_compared = 0, speedup_at_least_1 = 0;
  // Interval coverage over the members that stated an interval (NaN: none did). A calibration
  // goal has to hold on every objective, not on the median one: hence the lowest member's.
  double coverage_median = 0, coverage_lowest = 0;
  // The rounds behind them: the lowest member's, and every member's pooled (one seed per member
  // states a handful of intervals, so the lowest of 20 members is a harsh reading: it is shown
  // with its rounds and beside the pooled share).
  int coverage_lowest_rounds = 0, coverage_rounds = 0, coverage_covered = 0;
  int holds = 0, seeds_reached = 0;  // over every member's seeds
};
// Each member's summary is against its own options.reference (the same for every member).
std::vector<FamilySummary> summarise_family(const std::vector<FamilyMember>& members);

// One line per member and strategy, then per strategy the median over members of: cost to
// within eps (the member's median over seeds), regret at the report costs, the paper's speedup
// of the reference, interval coverage (with the lowest member's: a calibration goal has to hold
// on every objective, not on the median one); and in how many members the strategy's median seed
// reached eps.
std::string format_family_report(const std::vector<FamilyMember>& members,
                                 const std::string& reference);
void write_family_csv(const std::filesystem::path& file, const std::vector<FamilyMember>& members,
                      const std::string& reference);

}  // namespace mixbo
