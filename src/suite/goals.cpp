#include "mixbo/suite/goals.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "mixbo/io/durable_file.hpp"
#include "mixbo/loop/campaign.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

void add_spend(ObjectiveGoals& g, const BenchResult& r) {
  g.budget = r.config.budget;
  for (const auto& b : r.campaigns) g.max_spent = std::max(g.max_spent, b.curve.spent);
}

std::string pct(double share) { return table_number(share * 100, 0) + "%"; }

// One cell: the verdict, then the figure behind it.
std::string cell(std::optional<bool> reached, const std::string& figure) {
  if (!reached) return figure.empty() ? "-" : "- " + figure;
  const std::string verdict = *reached ? "yes" : "no";
  return figure.empty() ? verdict : verdict + ": " + figure;
}

struct Row {
  std::string goal;
  std::optional<bool> reached;
  std::string figure;
};

// Every goal of one objective, in the order of the table: the same rows for every objective
// (goal 2 one per report cost), so the table's columns line up row by row.
std::vector<Row> goal_rows(const ObjectiveGoals& g, const std::string& reference) {
  std::vector<Row> rows;
  {
    std::string f;
    if (g.against && !g.against->slowest.empty())
      f = speedup_times(g.against->lowest_speedup) + " (" + g.against->slowest + ")";
    rows.push_back({"1 speedup >= " + table_number(kGoalSpeedup, 0) + "x over every other",
                    speedup_reached(g), f});
  }
  rows.push_back({"2 no worse than the best other, every cost", dominance_reached(g), ""});
  for (double cost : report_costs()) {
    Row row{"    @" + table_number(cost, cost < 1 ? 1 : 0), std::nullopt, ""};
    const AgainstBestOther* a = nullptr;
    if (g.against)
      for (const auto& x : g.against->at)
        if (x.cost == cost) a = &x;
    if (a && !std::isnan(a->ratio)) {  // NaN: neither has an answer yet
      row.reached = a->ratio <= 1;
      if (std::isfinite(a->mine) && std::isfinite(a->theirs))
        row.figure =
            (std::isinf(a->ratio) ? std::string("inf") : against_goal(a->ratio, 1, 2, true)) +
            " (" + a->best_other + ")";
      else
        row.figure = std::isfinite(a->mine) ? "only " + reference + " has an answer"
                                            : "no answer yet (" + a->best_other + " " +
                                                  table_number(a->theirs * 100, 2) + "%)";
    }
    rows.push_back(row);
  }
  rows.push_back({"3 holds in >= " + pct(kGoalHolds) + " of the seeds within eps", holds_reached(g),
                  std::to_string(g.holds) + "/" + std::to_string(g.reached)});
  {
    std::string f;
    if (!std::isnan(g.coverage)) {
      const std::string rounds = " of " + std::to_string(g.coverage_rounds) + " rounds";
      if (std::isnan(g.coverage_median)) {
        f = coverage_percent(g.coverage) + rounds;
      } else {
        f = coverage_percent(g.coverage) + " lowest member" + rounds + " (median " +
            coverage_percent(g.coverage_median);
        if (!std::isnan(g.coverage_pooled))
          f += "; all members " + coverage_percent(g.coverage_pooled) + " of " +
               std::to_string(g.coverage_pooled_rounds) + " rounds";
        f += ")";
      }
    }
    rows.push_back({"4 95% intervals cover >= " + pct(kGoalCoverage), coverage_reached(g), f});
  }
  rows.push_back({"5 no campaign spends over the budget", budget_kept(g),
                  against_goal(g.max_spent, g.budget * (1 + kBudgetSlack), 3, /*at_most=*/true) +
                      " of " + table_number(g.budget, 3)});
  return rows;
}

}  // namespace

ObjectiveGoals goals_of(const std::string& objective, const BenchResult& r) {
  ObjectiveGoals g;
  g.objective = objective;
  const auto rows = summarise(curves_of(r), r.options.reference);
  g.against = against_others(rows, r.options.reference);
  for (const auto& s : rows)
    if (s.strategy == r.options.reference) {
      g.holds = s.holds;
      g.reached = s.cost.finite;
      if (s.coverage_rounds > 0) {
        g.coverage = s.coverage;
        g.coverage_rounds = s.coverage_rounds;
      }
    }
  add_spend(g, r);
  return g;
}

ObjectiveGoals goals_of(const std::string& objective, const std::vector<FamilyMember>& members) {
  ObjectiveGoals g;
  g.objective = objective;
  if (members.empty()) return g;
  const std::string& reference = members.front().result.options.reference;
  const auto family = summarise_family(members);
  std::vector<StrategySummary> medians;
  for (const auto& f : family) {
    medians.push_back(f.medians);
    if (f.medians.strategy != reference) continue;
    g.holds = f.holds;
    g.reached = f.seeds_reached;
    g.coverage = f.coverage_lowest;
    g.coverage_rounds = f.coverage_lowest_rounds;
    g.coverage_median = f.coverage_median;
    if (f.coverage_rounds > 0) {
      g.coverage_pooled = static_cast<double>(f.coverage_covered) / f.coverage_rounds;
      g.coverage_pooled_rounds = f.coverage_rounds;
    }
  }
  g.against = against_others(medians, reference);
  for (const auto& m : members) add_spend(g, m.result);
  return g;
}

std::optional<bool> speedup_reached(const ObjectiveGoals& g) {
  if (!g.against || g.against->slowest.empty()) return std::nullopt;
  return g.against->lowest_speedup >= kGoalSpeedup;
}

std::optional<bool> dominance_reached(const ObjectiveGoals& g) {
  if (!g.against || g.against->at.empty()) return std::nullopt;
  // NaN (neither has an answer at that cost) neither wins nor loses.
  return std::none_of(g.against->at.begin(), g.against->at.end(),
                      [](const AgainstBestOther& a) { return a.ratio > 1; });
}

std::optional<bool> holds_reached(const ObjectiveGoals& g) {
  if (g.reached == 0) return std::nullopt;
  return g.holds >= kGoalHolds * g.reached - 1e-9;
}

std::optional<bool> coverage_reached(const ObjectiveGoals& g) {
  if (std::isnan(g.coverage)) return std::nullopt;
  return g.coverage >= kGoalCoverage - 1e-12;
}

bool budget_kept(const ObjectiveGoals& g) { return g.max_spent <= g.budget * (1 + kBudgetSlack); }

std::string format_goals(const std::vector<ObjectiveGoals>& objectives,
                         const std::string& reference) {
  std::vector<std::vector<Row>> columns;
  for (const auto& g : objectives) columns.push_back(goal_rows(g, reference));
  constexpr int kGoalWidth = 46, kCellWidth = 34;
  std::ostringstream o;
  o << "decision-quality goals for " << reference
    << " (README, Benchmark; yes: reached; no: not; -: the runs cannot tell)\n";
  // Every column but the last is padded to its width; a line ends at its last character.
  const auto line = [&](const std::string& head, const std::vector<std::string>& cells) {
    o << std::left << std::setw(cells.empty() ? 0 : kGoalWidth) << head;
    // A cell as wide as its column still gets two spaces before the next (the family's
    // coverage figure ran into the next objective's).
    for (size_t c = 0; c + 1 < cells.size(); ++c)
      o << std::setw(kCellWidth) << cells[c] << (cells[c].size() + 2 > kCellWidth ? "  " : "");
    if (!cells.empty()) o << cells.back();
    o << "\n";
  };
  std::vector<std::string> names;
  for (const auto& g : objectives) names.push_back(g.objective);
  line("goal", names);
  for (size_t i = 0; !columns.empty() && i < columns.front().size(); ++i) {
    std::vector<std::string> cells;
    for (const auto& c : columns) cells.push_back(cell(c[i].reached, c[i].figure));
    line(columns.front()[i].goal, cells);
  }
  return o.str();
}

void write_goals_csv(const fs::path& file, const std::vector<ObjectiveGoals>& objectives,
                     const std::string& reference) {
  std::ostringstream o;
  o << "objective,goal,reached,figure\n";
  for (const auto& g : objectives)
    for (const auto& r : goal_rows(g, reference)) {
      std::string goal = r.goal;
      goal.erase(0, goal.find_first_not_of(' '));
      o << g.objective << ",\"" << goal << "\"," << (r.reached ? (*r.reached ? "1" : "0") : "")
        << ",\"" << r.figure << "\"\n";
    }
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  write_text_atomic(file, o.str());
}

}  // namespace mixbo
