#include "mixbo/suite/family.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/sim/law_family.hpp"
#include "mixbo/suite/goal_figures.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

std::string list(int k, const std::string& prefix, const std::string& value = "") {
  std::string s;
  for (int i = 1; i <= k; ++i) {
    if (i > 1) s += ",";
    s += value.empty() ? prefix + std::to_string(i) : value;
  }
  return s;
}

std::vector<StrategySummary> rows_of(const BenchResult& r) {
  return summarise(curves_of(r), r.options.reference);
}

double median(std::vector<double> v) { return quartiles(std::move(v)).median; }

}  // namespace

CampaignConfig family_member(const fs::path& file, const std::vector<std::string>& flags,
                             double budget, int m) {
  const int k = 3 + (3 * m) % 8;
  // The member's own space, simulator and objective replace the base campaign's.
  std::vector<std::string> f;
  for (const auto& flag : flags) {
    bool replaced = false;
    for (const char* key : {"--space.domains", "--space.lower", "--space.upper", "--simulator.type",
                            "--simulator.seed", "--simulator.file", "--objective.metric",
                            "--objective.direction", "--strategy.bimix_entropy"})
      replaced = replaced || flag.rfind(std::string(key) + "=", 0) == 0;
    if (!replaced) f.push_back(flag);
  }
  for (const std::string& s : std::vector<std::string>{
           "--space.domains=" + list(k, "d"), "--space.lower=" + list(k, "", "0"),
           "--space.upper=" + list(k, "", "1"), "--simulator.type=law-family",
           "--simulator.seed=" + std::to_string(m), "--objective.metric=loss",
           "--objective.direction=minimize"})
    f.push_back(s);
  CampaignConfig c = load_config(file, f);
  c.budget = budget;
  c.name += "-member" + std::to_string(m);
  return c;
}

namespace {

// summarise_family on the members' summaries (rows_of each member), taken once by the caller.
std::vector<FamilySummary> summarise_over(const std::vector<std::vector<StrategySummary>>& all) {
  std::vector<std::string> order;  // strategies in the order of first appearance
  std::map<std::string, std::vector<const StrategySummary*>> by_strategy;
  for (const auto& rows : all)
    for (const auto& r : rows) {
      if (!by_strategy.count(r.strategy)) order.push_back(r.strategy);
      by_strategy[r.strategy].push_back(&r);
    }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<FamilySummary> out;
  for (const auto& s : order) {
    const auto& rs = by_strategy[s];
    FamilySummary f;
    f.members = static_cast<int>(rs.size());
    std::vector<double> cost, speed, coverage;
    std::vector<std::vector<double>> at(report_costs().size());
    for (const StrategySummary* r : rs) {
      cost.push_back(r->cost.median);
      f.members_reached += std::isfinite(r->cost.median);
      for (size_t j = 0; j < at.size() && j < r->regret_at.size(); ++j)
        at[j].push_back(r->regret_at[j]);
      if (r->coverage_rounds > 0) {
        coverage.push_back(r->coverage);
        if (coverage.size() == 1 || r->coverage < f.coverage_lowest) {
          f.coverage_lowest = r->coverage;
          f.coverage_lowest_rounds = r->coverage_rounds;
        }
        f.coverage_rounds += r->coverage_rounds;
        f.coverage_covered += static_cast<int>(std::lround(r->coverage * r->coverage_rounds));
      }
      f.holds += r->holds;
      f.seeds_reached += r->cost.finite;
      if (!std::isnan(r->speedup)) {
        speed.push_back(r->speedup);
        ++f.speedup_compared;
        f.speedup_at_least_1 += r->speedup >= 1;
      }
    }
    f.medians.strategy = s;
    f.medians.cost.median = median(cost);
    f.medians.speedup = speed.empty() ? kNaN : median(speed);
    for (auto& v : at) f.medians.regret_at.push_back(median(v));
    f.coverage_median = coverage.empty() ? kNaN : median(coverage);
    if (coverage.empty()) f.coverage_lowest = kNaN;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<FamilySummary> summarise_family(const std::vector<FamilyMember>& members) {
  std::vector<std::vector<StrategySummary>> all;
  for (const auto& m : members) all.push_back(rows_of(m.result));
  return summarise_over(all);
}

std::string format_family_report(const std::vector<FamilyMember>& members,
                                 const std::string& reference) {
  std::ostringstream o;
  o << "law family: " << members.size() << " members; per member and strategy: median cost to "
    << "within eps (seeds reached), final regret, the paper's speedup of " << reference << "\n";
  std::map<std::string, std::vector<const StrategySummary*>> by_strategy;
  std::vector<std::vector<StrategySummary>> all;
  all.reserve(members.size());
  for (const auto& m : members) all.push_back(rows_of(m.result));
  std::vector<std::string> order;
  for (size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const LawFamilySimulator sim(m.config.simulator.seed, m.config.space.k(),
                                 m.config.simulator.target_params);
    o << "member " << std::setw(2) << m.index << " (k " << m.config.space.k() << ", transfer "
      << table_number(sim.member().tau, 2) << ", optimum "
      << (sim.member().on_face ? "on a face" : "inside") << "):";
    for (const auto& r : all[i]) {
      if (!by_strategy.count(r.strategy)) order.push_back(r.strategy);
      by_strategy[r.strategy].push_back(&r);
      o << "  " << r.strategy << " " << table_number(r.cost.median) << " (" << r.cost.finite << "/"
        << r.cost.n << ", " << table_number(r.regret.median * 100, 2) << "%"
        << (std::isnan(r.speedup) ? "" : ", " + speedup_times(r.speedup)) << ")";
    }
    o << "\n";
  }
  o << "\nsummary over members (medians over members of each member's median over seeds)\n";
  o << std::left << std::setw(12) << "strategy" << std::right << std::setw(12) << "cost to eps"
    << std::setw(10) << "reached";
  for (double c : report_costs())
    o << std::setw(9) << (std::string("@") += table_number(c, c < 1 ? 1 : 0));
  o << std::setw(10) << "speedup" << std::setw(14) << "speedup >= 1" << std::setw(20)
    << "coverage (lowest)" << std::setw(10) << "holds"
    << "\n";
  const std::vector<FamilySummary> family = summarise_over(all);
  std::vector<StrategySummary> over_members;  // each strategy's medians over members
  for (const auto& f : family) {
    const StrategySummary& m = f.medians;
    over_members.push_back(m);
    o << std::left << std::setw(12) << m.strategy << std::right << std::setw(12)
      << table_number(m.cost.median) << std::setw(10)
      << (std::to_string(f.members_reached) + "/" + std::to_string(f.members));
    for (double x : m.regret_at)
      o << std::setw(9) << (std::isinf(x) ? std::string("none") : table_number(x * 100, 2) + "%");
    o << std::setw(10) << speedup_times(m.speedup) << std::setw(14)
      << (f.speedup_compared
              ? std::to_string(f.speedup_at_least_1) + "/" + std::to_string(f.speedup_compared)
              : std::string("-"))
      << std::setw(20)
      << (std::isnan(f.coverage_median) ? std::string("-")
                                        : coverage_percent(f.coverage_median) + " (" +
                                              coverage_percent(f.coverage_lowest) + ")")
      << std::setw(10) << (std::to_string(f.holds) + "/" + std::to_string(f.seeds_reached)) << "\n";
  }
  // Anytime dominance over members' medians, then member by member: where the reference's
  // median regret at a cost is no worse than every other strategy's in that member.
  if (const std::string against = format_against_others(over_members, reference);
      !against.empty()) {
    o << "\n(medians over members) " << against;
    o << "members where " << reference << " is no worse than every other strategy:";
    for (size_t j = 0; j < report_costs().size(); ++j) {
      int no_worse = 0;
      for (const auto& rows : all) {
        const auto ref = std::find_if(rows.begin(), rows.end(), [&](const StrategySummary& r) {
          return r.strategy == reference;
        });
        if (ref == rows.end() || j >= ref->regret_at.size()) continue;
        no_worse += std::all_of(rows.begin(), rows.end(), [&](const StrategySummary& r) {
          return &r == &*ref || j >= r.regret_at.size() || ref->regret_at[j] <= r.regret_at[j];
        });
      }
      const double c = report_costs()[j];
      o << " @" << table_number(c, c < 1 ? 1 : 0) << " " << no_worse << "/" << all.size();
    }
    o << "\n";
  }
  // How precise the summary is as the family's median: members resampled (the same draws for
  // every strategy), each figure's median over them recomputed.
  const int resamples = members.empty() ? 0 : members.front().result.options.bootstrap;
  if (resamples > 0 && static_cast<int>(members.size()) < kMinBootstrapSamples)
    o << "\nno intervals over members: they need " << kMinBootstrapSamples << " members or more\n";
  else if (resamples > 0) {
    o << "\n"
      << table_number(kBenchIntervalLevel * 100, 0) << "% bootstrap intervals over the "
      << members.size() << " members (" << resamples << " resamples of members)\n";
    o << std::left << std::setw(12) << "strategy" << std::right << std::setw(14) << "cost to eps";
    for (double c : report_costs())
      o << std::setw(14) << (std::string("@") += table_number(c, c < 1 ? 1 : 0));
    o << std::setw(14) << "speedup"
      << "\n";
    const std::uint64_t seed = members.front().config.seed;
    for (const auto& s : order) {
      std::vector<double> cost, speed;
      std::vector<std::vector<double>> at(report_costs().size());
      for (const auto* r : by_strategy[s]) {
        cost.push_back(r->cost.median);
        if (!std::isnan(r->speedup)) speed.push_back(r->speedup);
        for (size_t j = 0; j < at.size() && j < r->regret_at.size(); ++j)
          at[j].push_back(r->regret_at[j]);
      }
      o << std::left << std::setw(12) << s << std::right << std::setw(14)
        << format_interval(bootstrap_median(cost, resamples, kBenchIntervalLevel, seed), 1, 3, "");
      for (const auto& v : at)
        o << std::setw(14)
          << format_interval(bootstrap_median(v, resamples, kBenchIntervalLevel, seed), 100, 2, "%",
                             "none");
      o << std::setw(14)
        << format_interval(bootstrap_median(speed, resamples, kBenchIntervalLevel, seed), 1, 2, "x")
        << "\n";
    }
  }
  o << "speedup >= 1: members where " << reference
    << " needed no more cost than the baseline to reach the baseline's own final quality\n"
    << "coverage: share of a member's recommendations whose 95% interval held the truth, median "
       "over the members that stated one (lowest member)\n"
    << "holds: campaigns (members x seeds) whose recommendation, once within eps, never left "
       "2 eps, of those that came within eps\n";
  return o.str();
}

void write_family_csv(const fs::path& file, const std::vector<FamilyMember>& members,
                      const std::string& reference) {
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  std::ostringstream o;
  o << "member,domains,transfer,optimum_on_face,strategy,seeds,reached,median_cost_to_target,"
       "median_final_regret,paper_speedup_of_"
    << reference;
  for (double c : report_costs()) o << ",median_regret_at_" << table_number(c, c < 1 ? 1 : 0);
  o << ",interval_coverage,holds\n";
  for (const auto& m : members) {
    const LawFamilySimulator sim(m.config.simulator.seed, m.config.space.k(),
                                 m.config.simulator.target_params);
    for (const auto& r : rows_of(m.result)) {
      auto csv = [](double v) {
        std::ostringstream s;
        if (std::isinf(v)) return std::string(v > 0 ? "inf" : "-inf");
        if (std::isnan(v)) return std::string();
        s << std::setprecision(10) << v;
        return s.str();
      };
      o << m.index << "," << m.config.space.k() << "," << csv(sim.member().tau) << ","
        << (sim.member().on_face ? 1 : 0) << "," << r.strategy << "," << r.cost.n << ","
        << r.cost.finite << "," << csv(r.cost.median) << "," << csv(r.regret.median) << ","
        << csv(r.speedup);
      for (double v : r.regret_at) o << "," << csv(v);
      o << "," << csv(r.coverage) << "," << r.holds << "\n";
    }
  }
  write_text_atomic(file, o.str());
}

}  // namespace mixbo
