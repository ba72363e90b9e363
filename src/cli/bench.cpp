// mixbo bench: strategies x seeds on a simulated objective, scored by cost to reach the optimum.
#include "mixbo/suite/bench.hpp"

#include <algorithm>
#include <boost/algorithm/string.hpp>
#include <boost/program_options.hpp>
#include <cmath>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "components.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/par/allocator.hpp"
#include "mixbo/par/bytes.hpp"
#include "mixbo/par/mpi_session.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/suite/family.hpp"
#include "mixbo/suite/goals.hpp"
#include "mixbo/suite/suite_campaigns.hpp"
#include "options.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mixbo::cli {

namespace {

// Without CONFIG: the demo's campaign (suite_campaigns.hpp), so `mixbo bench --quick` needs no
// file.
std::vector<std::string> demo_flags_with(const std::vector<std::string>& overrides) {
  return flags_with(demo_campaign_flags(), overrides);
}

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::vector<std::string> parts;
    boost::split(parts, item, boost::is_any_of(", "));
    for (auto& p : parts)
      if (!p.empty()) out.push_back(p);
  }
  return out;
}

std::string fmt(double v, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << v;
  return o.str();
}

// Rank 0: every rank's campaigns but its own (throws Error when any rank failed); other ranks:
// nothing.
using Gather = std::function<std::vector<BenchCampaign>(const std::vector<BenchCampaign>& mine,
                                                        const std::string& error)>;

// Rank 0 collects the other ranks' campaigns (and their errors: any one fails the bench).
std::vector<BenchCampaign> gather_campaigns(const MpiSession& mpi,
                                            const std::vector<BenchCampaign>& mine,
                                            const std::string& error) {
  ByteWriter w;
  w.put(error);
  w.put<std::uint64_t>(mine.size());
  for (const auto& c : mine) write_campaign(w, c);
  const auto all = mpi.gather(w.take());
  if (mpi.rank() != 0) return {};
  std::vector<BenchCampaign> out;
  std::string errors;
  for (size_t i = 0; i < all.size(); ++i) {
    ByteReader r(all[i].data(), all[i].size());
    const auto e = r.get_string();
    if (!e.empty())
      errors += (errors.empty() ? "" : "; ") + ("rank " + std::to_string(i) + ": " + e);
    const auto count = r.get<std::uint64_t>();
    for (std::uint64_t k = 0; k < count; ++k) {
      auto c = read_campaign(r);
      if (i != 0) out.push_back(std::move(c));
    }
  }
  if (!errors.empty()) throw Error(errors);
  return out;
}

void add_bench_options(po::options_description& d) {
  d.add_options()("strategies", po::value<std::vector<std::string>>()->multitoken(),
                  "strategies to compare, comma or space separated (default: mfms-bo "
                  "random sf-bo hyperband bimix-law regmix; ones this build lacks are "
                  "reported as skipped)")("seeds", po::value<int>(),
                                          "campaigns per strategy (default 10; --quick: 1)")(
      "budget", po::value<double>(),
      "cost budget of every campaign (default: campaign.budget; --quick: one target run)")(
      "epsilon", po::value<double>()->default_value(0.005),
      "relative distance to the best achievable loss that counts as reached")(
      "reference", po::value<std::string>()->default_value("mfms-bo"),
      "strategy the others' median cost is divided by")(
      "bootstrap", po::value<int>()->default_value(1000),
      "resamples of the seeds behind the 90% intervals of the precision table (0: no table)")(
      "out", po::value<std::string>(), "output folder (default: bench-<campaign name>)")(
      "keep-archives",
      "also save each campaign.h5 under OUT/campaigns/ (--family: OUT/member_M/campaigns/)")(
      "sweep", po::value<int>(), "points of the dense optimum's Sobol sweep (default 32768)")(
      "quick", "CI mode: 1 seed, a budget of one target run, a smaller dense sweep")(
      "family", po::value<int>(),
      "run the suite on N members of the law family instead (simulator.type = "
      "law-family, seeds 0..N-1, 3 to 10 domains; default 3 seeds each) and report "
      "each member and a summary over them")(
      "suite",
      "the decision-quality suite (README, Benchmark): CONFIG's objective (e.g. "
      "examples/paper-sim.ini; skipped without it), "
      "the demo law (budget 6), the law family (--family members, default 20, 1 seed each, "
      "budget 3) and the same members on the long ladder (examples/long-ladder.ini, budget 10), "
      "each reported as alone, then whether the reference reaches each goal on each objective "
      "(OUT/goals.csv)")("quiet,q", "print only the table");
}

// What one `mixbo bench` invocation runs: the campaign, the suite's options, where it writes.
struct BenchPlan {
  fs::path file;                   // CONFIG ("" = the demo campaign)
  std::vector<std::string> flags;  // the demo's flags (without CONFIG), then the overrides
  CampaignConfig config;
  BenchOptions options;
  int family = 0;      // > 0: the law-family members 0..family-1 instead of `config`
  bool suite = false;  // CONFIG's objective (if any), the demo law, the law family on two ladders
  fs::path out;
  bool quiet = false;
  std::vector<std::string> overrides;  // --section.key=value, for every objective of a suite
  std::optional<double> budget;        // --budget
  bool quick = false;
};

// --suite: the law family's members, and the budgets of the demo law and the family (in target
// runs; CONFIG keeps its own): the setups of issue 13's figures (README, Benchmark).
constexpr int kSuiteMembers = 20;
constexpr double kSuiteDemoBudget = 6;
constexpr double kSuiteFamilyBudget = 3;

BenchPlan plan_bench(const CommandLine& cl) {
  if (cl.positionals().size() > 1)
    throw ConfigError("one CONFIG at most, got '" + cl.positionals()[1] + "'");
  const fs::path file = cl.positionals().empty() ? fs::path() : fs::path(cl.positionals()[0]);
  const std::vector<std::string> flags =
      file.empty() ? demo_flags_with(cl.overrides()) : cl.overrides();
  CampaignConfig config = load_checked_config(file, flags);

  const auto& vm = cl.vm();
  const bool quick = vm.count("quick") > 0;
  BenchOptions o;
  if (vm.count("strategies"))
    o.strategies = split_list(vm["strategies"].as<std::vector<std::string>>());
  const bool suite = vm.count("suite") > 0;
  const int family = vm.count("family") ? vm["family"].as<int>()
                     : suite            ? (quick ? 2 : kSuiteMembers)
                                        : 0;
  if (vm.count("family") && family < 1) throw ConfigError("--family must be positive");
  // --family alone: 3 seeds per member; --suite: 10 on CONFIG's objective and the demo law (its
  // family members get 1 each).
  o.seeds = vm.count("seeds") ? vm["seeds"].as<int>() : quick ? 1 : family && !suite ? 3 : 10;
  o.epsilon = vm["epsilon"].as<double>();
  o.reference = vm["reference"].as<std::string>();
  o.bootstrap = vm["bootstrap"].as<int>();
  if (vm.count("budget")) {
    config.budget = vm["budget"].as<double>();
    if (!(config.budget > 0 && std::isfinite(config.budget)))
      throw ConfigError("--budget must be a positive number, got " + fmt(config.budget, 6));
  } else if (quick)  // one full target run: every strategy can make at least one target run
    config.budget = config.space.target_run_cost();
  if (quick) {
    o.sweep_points = 4096;
    o.sweep_starts = 4;
  }
  if (vm.count("sweep")) o.sweep_points = vm["sweep"].as<int>();
  check_bench_options(o);
  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                       : fs::path(suite ? "bench-suite" : "bench-" + config.name);
  if (vm.count("keep-archives")) o.archives = out / "campaigns";
  const bool quiet = vm.count("quiet") > 0;
  const std::optional<double> budget =
      vm.count("budget") ? std::optional<double>(vm["budget"].as<double>()) : std::nullopt;
  return BenchPlan{file, flags, std::move(config), o,      family, suite,
                   out,  quiet, cl.overrides(),    budget, quick};
}

// One line per finished campaign (rank 0's).
void print_campaign_done(int done, int total, const BenchCampaign& b) {
  const auto& c = b.curve;
  std::cout << "[" << done << "/" << total << "] " << c.strategy << " seed " << c.seed << ": "
            << (std::isfinite(c.cost_to_target) ? "reached at cost " + fmt(c.cost_to_target, 3)
                                                : std::string("not reached"))
            << (std::isfinite(c.cost_to_stay) ? ", stays from " + fmt(c.cost_to_stay, 3)
                                              : std::string(", does not stay"))
            << (std::isnan(c.final_regret)  // no recommendation (e.g. no run fit the budget)
                    ? std::string(", no answer")
                    : ", final regret " + fmt(c.final_regret * 100, 3) + "%")
            << ", " << c.trials << " runs, cost " << fmt(c.spent, 3) << ", "
            << fmt(c.wall_seconds, 1) << " s" << std::endl;
}

// One objective's campaigns under the ranks, in two steps: run() runs this rank's share
// (rank_share) and collect() gathers every rank's share at rank 0, which gets the result (the
// other ranks nullopt). A law family runs every member's share before it collects any, so that
// the ranks do not wait for each other member by member: with one seed a member, its mfms-bo
// campaign is most of its time, and collecting each member in turn left one rank idle (the suite
// on 2 ranks took 14 min 33 s, on one 14 min 48 s). The options (seeds, strategies, archives)
// travel with each call: a suite's objectives differ in them.
struct Share {
  std::optional<BenchResult> result;
  std::string error;  // what failed on this rank ("": nothing)
};
struct RunSuite {
  std::function<Share(const CampaignConfig&, const BenchOptions&)> run;
  std::function<std::optional<BenchResult>(Share)> collect;
  std::optional<BenchResult> operator()(const CampaignConfig& c, const BenchOptions& o) const {
    return collect(run(c, o));
  }
};

// The plan's options with the campaign archives (when kept) under `dir`.
BenchOptions with_archives(BenchOptions o, const fs::path& dir) {
  if (!o.archives.empty()) o.archives = dir / "campaigns";
  return o;
}

// One objective's files: dir/bench.h5, dir/summary.csv, dir/runs.csv. Returns the precision
// table they hold, for the printed report.
std::vector<StrategyPrecision> write_bench_files(const fs::path& dir, const BenchResult& r) {
  auto precision = bench_precision(r);
  write_bench_h5(dir / "bench.h5", r, precision);
  write_bench_csv(dir / "summary.csv", dir / "runs.csv", r, precision);
  return precision;
}

fs::path member_dir(const BenchPlan& p, int m) { return p.out / ("member_" + std::to_string(m)); }

// Runs the suite on every law-family member, writes each member's files and the family table.
// A member's campaign archives (--keep-archives) go to its own folder: every member runs the
// same strategies and seeds, so one shared OUT/campaigns/ kept only the last member's.
int run_family(const BenchPlan& p, int rank, const RunSuite& run_suite,
               std::vector<FamilyMember>* kept = nullptr) {
  std::vector<CampaignConfig> configs;
  std::vector<Share> shares;
  for (int m = 0; m < p.family; ++m) {
    configs.push_back(family_member(p.file, p.flags, p.config.budget, m));
    if (!p.quiet && rank == 0)
      std::cout << "\nlaw-family member " << m << ": " << configs.back().space.k() << " domains\n";
    if (!shares.empty() && !shares.back().error.empty()) {
      shares.push_back({std::nullopt, shares.back().error});  // reported at the first collect
      continue;
    }
    BenchOptions o = with_archives(p.options, member_dir(p, m));
    o.deal_offset = m;
    shares.push_back(run_suite.run(configs.back(), o));
  }
  std::vector<FamilyMember> members;
  for (int m = 0; m < p.family; ++m) {
    auto r = run_suite.collect(std::move(shares[static_cast<size_t>(m)]));
    if (!r) continue;
    write_bench_files(member_dir(p, m), *r);
    members.push_back({m, configs[static_cast<size_t>(m)], std::move(*r)});
  }
  if (rank != 0) return 0;
  std::cout << (p.quiet ? "" : "\n") << format_family_report(members, p.options.reference);
  write_family_csv(p.out / "family.csv", members, p.options.reference);
  std::cout << "wrote " << (p.out / "family.csv").string() << " and " << p.family
            << " member folders under " << p.out.string() << "\n";
  if (kept) *kept = std::move(members);
  return 0;
}

// --suite: CONFIG's objective (when given), the demo law, the law family and the law family on
// the long ladder, each reported as `mixbo bench` reports it alone and written under
// OUT/<name>/, then issue 13's goals for the reference on each (goals.hpp), printed and in
// OUT/goals.csv.
int run_objective_suite(const BenchPlan& p, int rank, const RunSuite& run_suite) {
  // A budget for an objective: --budget, or --quick's one target run, or `own`.
  const auto budget_of = [&](const CampaignConfig& c, double own) {
    return p.budget ? *p.budget : p.quick ? c.space.target_run_cost() : own;
  };
  std::vector<ObjectiveGoals> goals;
  const auto one = [&](const std::string& name, CampaignConfig cfg) {
    if (!p.quiet && rank == 0)
      std::cout << "\n== " << name << ": " << cfg.space.k() << " domains, budget " << cfg.budget
                << ", " << p.options.seeds << " seeds ==" << std::endl;
    const fs::path dir = p.out / name;
    const auto r = run_suite(cfg, with_archives(p.options, dir));
    if (!r) return;
    std::cout << "\n" << format_bench_report(*r, write_bench_files(dir, *r));
    goals.push_back(goals_of(name, *r));
  };
  if (!p.file.empty()) {
    CampaignConfig cfg = p.config;
    cfg.budget = budget_of(cfg, cfg.budget);
    const std::string name = cfg.name;  // not cfg.name next to std::move(cfg): unsequenced
    one(name, std::move(cfg));
  } else if (rank == 0) {
    std::cout << "no CONFIG: the suite runs the demo law and the law family only (the README's "
                 "figures also use examples/paper-sim.ini)\n";
  }
  const std::vector<std::string> demo = demo_flags_with(p.overrides);
  const CampaignConfig demo_cfg = load_checked_config("", demo);
  CampaignConfig demo_law = demo_cfg;
  demo_law.budget = budget_of(demo_cfg, kSuiteDemoBudget);
  one("demo-law", std::move(demo_law));

  BenchPlan family = p;
  family.file.clear();
  family.flags = demo;
  family.config = demo_cfg;
  family.config.budget = budget_of(demo_cfg, kSuiteFamilyBudget);
  family.options.seeds = 1;
  family.out = p.out / "law-family";
  if (!p.quiet && rank == 0)
    std::cout << "\n== law family: " << p.family << " members, budget " << family.config.budget
              << ", 1 seed each ==" << std::endl;
  std::vector<FamilyMember> members;
  run_family(family, rank, run_suite, &members);
  if (rank == 0)
    goals.push_back(goals_of("law family (" + std::to_string(members.size()) + ")", members));

  // The same members on the long ladder (examples/long-ladder.ini), with its own budget: a
  // smallest full run of 1/20 of a target run (1/77 on the paper's ladder) and 100,000 steps,
  // where what the design buys and how short runs inform differ.
  BenchPlan ladder = family;
  ladder.flags = flags_with(long_ladder_campaign_flags(), p.overrides);
  ladder.config = load_checked_config("", ladder.flags);
  ladder.config.budget = budget_of(ladder.config, ladder.config.budget);
  ladder.out = p.out / "long-ladder-family";
  if (!p.quiet && rank == 0)
    std::cout << "\n== law family on the long ladder: " << p.family << " members, budget "
              << ladder.config.budget << ", 1 seed each ==" << std::endl;
  std::vector<FamilyMember> on_ladder;
  run_family(ladder, rank, run_suite, &on_ladder);
  if (rank != 0) return 0;
  goals.push_back(goals_of("long ladder (" + std::to_string(on_ladder.size()) + ")", on_ladder));
  std::cout << "\n" << format_goals(goals, p.options.reference);
  write_goals_csv(p.out / "goals.csv", goals, p.options.reference);
  std::cout << "wrote " << (p.out / "goals.csv").string() << " and a folder per objective under "
            << p.out.string() << "\n";
  return 0;
}

int bench_main(const Args& args, Team& team, int rank, int ranks, const Gather& gather) {
  CommandLine cl(
      "bench",
      "Run campaigns of several strategies x seeds on a simulated objective (in-process, no\n"
      "jobs) and compare the cost each needs until its recommended mixture comes within eps of\n"
      "the best achievable target loss (found once by a dense search of the simulator).\n"
      "CONFIG is a campaign file with a [simulator] section (e.g. examples/paper-sim.ini);\n"
      "without it, the demo campaign (built-in bimix law) is used. Every strategy gets the\n"
      "same budget, seeds and objective. Writes OUT/bench.h5 (every curve), OUT/summary.csv,\n"
      "OUT/runs.csv; plot with scripts/plot_bench.py OUT/bench.h5. Under mpiexec -n N the\n"
      "ranks split the campaigns and rank 0 writes the same files as one process.",
      args, add_bench_options, Operands{.usage = "[CONFIG]", .config = false});
  if (cl.help()) return 0;
  BenchPlan p = plan_bench(cl);
  BenchOptions& o = p.options;
  const CampaignConfig& config = p.config;
  BenchProgress progress;
  if (!p.quiet && rank == 0) {
    std::cout << "mixbo bench: " << o.strategies.size() << " strategies x " << o.seeds << " seeds"
              << (p.suite ? std::string(" on each objective of the suite")
                          : ", budget " + fmt(config.budget, 3))
              << ", eps " << o.epsilon * 100 << "%"
              << (ranks > 1 ? ", " + std::to_string(ranks) + " ranks (progress of rank 0 only)"
                            : std::string())
              << "; finding the best achievable objective ..." << std::endl;
    progress = print_campaign_done;
  }
  o.rank = rank;
  o.ranks = ranks;
  // Rank 0 merges the other ranks' campaigns (RunSuite).
  RunSuite run_suite;
  run_suite.run = [&](const CampaignConfig& cfg, const BenchOptions& options) {
    Share share;
    try {
      BenchOptions suite = options;
      suite.rank = rank;
      suite.ranks = ranks;
      share.result = run_bench(cfg, suite, team, progress);
    } catch (const std::exception& e) {
      if (ranks == 1) throw;
      share.error = e.what();
    }
    return share;
  };
  run_suite.collect = [&](Share share) -> std::optional<BenchResult> {
    if (ranks == 1) return std::move(share.result);
    auto others =
        gather(share.result ? share.result->campaigns : std::vector<BenchCampaign>{}, share.error);
    if (rank != 0) {
      if (!share.error.empty()) throw Error(share.error);
      return std::nullopt;
    }
    merge_campaigns(*share.result, std::move(others));
    return std::move(share.result);
  };
  if (p.suite) return run_objective_suite(p, rank, run_suite);
  if (p.family > 0) return run_family(p, rank, run_suite);
  const auto result = run_suite(config, o);
  if (!result) return 0;
  const BenchResult& r = *result;
  std::cout << (p.quiet ? "" : "\n") << format_bench_report(r, write_bench_files(p.out, r));
  std::cout << "wrote " << (p.out / "bench.h5").string() << ", " << (p.out / "summary.csv").string()
            << ", " << (p.out / "runs.csv").string() << "\n";
  return 0;
}

}  // namespace

int bench(const Args& args) {
  // Under mpiexec the ranks split the campaigns (seeds) and rank 0 gathers and reports; every
  // strategy then runs its multi-starts serially within its rank.
  keep_large_allocations();  // GP fits: ~3x less CPU (par/allocator.hpp)
  SerialTeam team;
  const MpiSession mpi;
  if (mpi.size() == 1) return bench_main(args, team, 0, 1, {});
  return bench_main(args, team, mpi.rank(), mpi.size(),
                    [&](const std::vector<BenchCampaign>& mine, const std::string& error) {
                      return gather_campaigns(mpi, mine, error);
                    });
}

}  // namespace mixbo::cli
