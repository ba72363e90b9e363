#pragma once
// `mixbo bench`: campaigns of several strategies x seeds on one simulated objective, scored by
// the true (noiseless) target-scale objective of each round's recommendation against the best
// achievable value found by a dense search of the simulator (sim/dense_optimum.hpp).
//
// A campaign runs in memory (drive_campaign): the same rounds as run_loop with the simulated
// executor (a round proposes up to executor.max_concurrent runs; they finish at once and are
// ingested before the next round; the recommendation is asked for after every round and once
// at the end), but without writing trial folders, result files and the archive after every
// change. Same strategy, same seeds, same history: tests check the curves match run_loop's.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/par/bytes.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/sim/dense_optimum.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/strategy/strategy.hpp"
#include "mixbo/suite/bootstrap.hpp"
#include "mixbo/suite/metrics.hpp"

namespace mixbo {

// The strategies of the paper's comparison, the proposed method first.
const std::vector<std::string>& default_bench_strategies();

struct BenchOptions {
  std::vector<std::string> strategies = default_bench_strategies();
  int seeds = 10;          // campaign seeds: config.seed + 1 ... config.seed + seeds
  double epsilon = 0.005;  // relative distance to the optimum that counts as reached
  std::string reference = "mfms-bo";
  // Resamples of the seeds behind the precision table's intervals (suite/bootstrap.hpp; 0: none).
  int bootstrap = 1000;
  int sweep_points = 1 << 15;      // dense optimum: Sobol sweep size
  int sweep_starts = 16;           // dense optimum: COBYLA starts
  std::filesystem::path archives;  // when set, each campaign's archive is saved there at the end
  // Share of the campaigns this process runs (rank_share): MPI ranks split the campaigns, and
  // rank 0 merges (merge_campaigns). deal_offset: where the deal starts (a family's member
  // index, so that its members' costliest campaigns go to the ranks in turn).
  int rank = 0, ranks = 1;
  int deal_offset = 0;
};

// Refuses options no bench can run (ConfigError naming the flag and the value given). run_bench
// calls it; `mixbo bench` calls it before it announces anything.
void check_bench_options(const BenchOptions& options);

// The campaigns (seed 1..seeds, strategy index) that rank `rank` of `ranks` runs, seed-major:
// campaign (strategy s, seed i) goes to rank (s + i + deal_offset) % ranks, so that each rank
// gets every strategy on some seeds (strategies differ in cost by orders of magnitude).
std::vector<std::pair<int, size_t>> rank_share(int seeds, size_t strategies, int deal_offset,
                                               int rank, int ranks);

// One finished campaign.
struct BenchCampaign {
  BenchCurve curve;
  std::vector<double> round_seconds;  // propose + recommend wall time of each round
};

// Runs one campaign of `config` (strategy.type and seed as given) in memory and scores every
// recommendation against `best` with `truth` (noiseless, target scale, full steps).
// `archive_dir`: when not empty, the campaign's archive is written there once at the end.
BenchCampaign drive_campaign(const CampaignConfig& config, Strategy& strategy, const Simulator& sim,
                             const SimulatedObjective& truth, double best, double epsilon,
                             const std::filesystem::path& archive_dir = {});

// The score of a recommendation trajectory: (cost, w) pairs -> values, regret, cost-to-target.
// Shared by drive_campaign and the comparison with run_loop's archive.
void score_curve(BenchCurve& c, const SearchSpace& space, const SimulatedObjective& truth,
                 double best, double epsilon);

struct BenchSkipped {
  std::string strategy, reason;
};

struct BenchResult {
  CampaignConfig config;  // the campaign every run starts from (seed = base seed)
  BenchOptions options;
  DenseOptimum optimum;
  // Calibration of the target: the share of Dirichlet(1) mixtures (what random search draws)
  // within eps of the optimum, over `hit_samples` draws.
  double hit_probability = 0;
  int hit_samples = 0;
  std::vector<std::string> strategies;  // the ones that ran, in order
  std::vector<BenchSkipped> skipped;    // not available in this build (with why)
  std::vector<BenchCampaign> campaigns;
  double wall_seconds = 0;
};

// The precision table's intervals for a finished bench (empty when options.bootstrap is 0 or
// the bench ran fewer than kMinBootstrapSamples seeds):
// kBenchIntervalLevel intervals, the resampling seeded by the campaign's base seed.
inline constexpr double kBenchIntervalLevel = 0.9;
std::vector<StrategyPrecision> bench_precision(const BenchResult& r);

// Every campaign's curve, in the order of r.campaigns.
std::vector<BenchCurve> curves_of(const BenchResult& r);

// Progress callback: called after each campaign with (done, total, the campaign).
using BenchProgress = std::function<void(int, int, const BenchCampaign&)>;

// The whole suite. Strategies make_strategy does not know are skipped (listed in the result),
// never silently dropped.
BenchResult run_bench(const CampaignConfig& config, const BenchOptions& options, Team& team,
                      const BenchProgress& progress = {});

// Adds campaigns run elsewhere (other ranks) and restores the order: strategy, then seed.
void merge_campaigns(BenchResult& r, std::vector<BenchCampaign> more);

// A campaign as bytes, for shipping between ranks.
void write_campaign(ByteWriter& w, const BenchCampaign& c);
BenchCampaign read_campaign(ByteReader& r);

// The printed report: objective and optimum, the summary table with its reading notes, the
// precision table (`precision`: bench_precision(r), computed once for the report and the files),
// skipped strategies, timings.
std::string format_bench_report(const BenchResult& r,
                                const std::vector<StrategyPrecision>& precision);

// bench.h5 (every curve; layout in bench_output.cpp and README), summary.csv (one row per
// strategy) and runs.csv (one row per campaign). Files are written to a temporary name and
// renamed, so a reader never sees half a file.
// `precision` as format_bench_report's.
void write_bench_h5(const std::filesystem::path& file, const BenchResult& r,
                    const std::vector<StrategyPrecision>& precision);
void write_bench_csv(const std::filesystem::path& summary, const std::filesystem::path& runs,
                     const BenchResult& r, const std::vector<StrategyPrecision>& precision);

}  // namespace mixbo
