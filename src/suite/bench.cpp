#include "mixbo/suite/bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/loop/campaign.hpp"
#include "mixbo/loop/round.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "mixbo/space/sampling.hpp"

namespace fs = std::filesystem;

namespace mixbo {

const std::vector<std::string>& default_bench_strategies() {
  static const std::vector<std::string> s = {"mfms-bo",   "random",    "sf-bo",
                                             "hyperband", "bimix-law", "regmix"};
  return s;
}

namespace {

// A folder that does not exist, so Campaign starts an empty archive and never resumes one.
fs::path scratch_workdir() {
  static std::atomic<int> counter{0};
  return fs::temp_directory_path() /
         ("mixbo-bench-unwritten-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

// Campaign + strategy driven round by round exactly as Loop does with an executor whose jobs
// are finished by the next poll.
class MemoryLoop {
 public:
  MemoryLoop(Campaign& c, Strategy& s, const Simulator& sim, BenchCampaign& out)
      : c_(c), cfg_(c.config()), st_(s), sim_(sim), out_(out) {}

  void run() {
    for (;;) {
      if (ingest()) exhausted_ = false;  // new results: the strategy may propose again
      while (propose_round()) {
      }
      if (c_.active() == 0 && (exhausted_ || round_slots(c_) == 0)) break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const Recommendation r = st_.recommend(c_.history());
    out_.round_seconds.push_back(seconds_since(t0));
    c_.record_recommendation(r, static_cast<int>(c_.archive().iterations.size()));
    push(r, observed_cost());
  }

 private:
  // Every active trial has finished: record its curve (what reconcile + finish do). Returns
  // whether anything was ingested.
  bool ingest() {
    auto& trials = c_.archive().trials;
    bool any = false;
    for (size_t i = 0; i < trials.size(); ++i) {
      if (!is_active(trials[i].state)) continue;
      any = true;
      const auto row = static_cast<std::int64_t>(i);
      c_.archive().record(row, TrialState::Submitted, "bench-" + std::to_string(row + 1));
      try {
        c_.add_observations(row, simulate_trial(sim_, c_.params(row)));
        c_.archive().record(row, TrialState::Done);
      } catch (const Error& e) {
        // The simulated executor fails such a job; a retry would fail the same way.
        c_.archive().record(row, TrialState::Failed, "", e.what());
        ++out_.curve.failed;
      }
    }
    return any;
  }

  // The x axis of the regret curves: cost of the runs whose results the recommendation saw.
  double observed_cost() const { return spent_cost(c_.archive().trials) - active_cost(); }
  double active_cost() const {
    double s = 0;
    for (const auto& t : c_.archive().trials)
      if (is_active(t.state)) s += t.cost;
    return s;
  }

  void push(const Recommendation& r, double cost) {
    out_.curve.cost.push_back(cost);
    recs_.push_back(r.valid ? r.w : Eigen::VectorXd());
    // An interval counts for calibration only when it is about the target at full steps.
    const auto& sp = cfg_.space;
    const bool at_target = (r.scale < 0 || r.scale == sp.scales().target()) &&
                           (r.steps == 0 || r.steps == sp.steps().max_steps());
    const bool interval = r.valid && r.has_interval && at_target;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out_.curve.lo.push_back(interval ? r.lo : nan);
    out_.curve.hi.push_back(interval ? r.hi : nan);
  }

  bool propose_round() {
    if (exhausted_) return false;
    const int slots = round_slots(c_);
    if (slots <= 0) return false;
    const RoundResult r = run_round(c_, st_, slots);
    out_.round_seconds.push_back(r.propose_seconds + r.recommend_seconds);
    if (r.added == 0) {
      exhausted_ = true;
      return false;
    }
    push(r.recommendation, observed_cost());
    return true;
  }

 public:
  std::vector<Eigen::VectorXd> recs_;

 private:
  Campaign& c_;
  const CampaignConfig& cfg_;
  Strategy& st_;
  const Simulator& sim_;
  BenchCampaign& out_;
  bool exhausted_ = false;
};

// A number as the user typed it (nan, 1e+200), for refusals.
std::string shown(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

}  // namespace

void score_curve(BenchCurve& c, const SearchSpace& space, const SimulatedObjective& truth,
                 double best, double epsilon) {
  const double params = space.scales().target_scale().params;
  const auto steps = space.steps().max_steps();
  const auto n = static_cast<size_t>(c.w.rows());
  c.value.assign(n, std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 0; i < n; ++i) {
    const Eigen::VectorXd w = c.w.row(static_cast<Eigen::Index>(i)).transpose();
    if (w.size() > 0 && w.allFinite()) c.value[i] = truth(w, params, steps);
  }
  c.regret.clear();
  for (double v : c.value) c.regret.push_back(relative_regret(v, best));
  c.cost_to_target = cost_to_target(c.cost, c.value, best, epsilon);
  c.cost_to_1pct = cost_to_target(c.cost, c.value, best, 0.01);
  c.cost_to_stay = cost_to_stay(c.cost, c.value, best, epsilon);
  c.worst_after_target = worst_after_target(c.value, best, epsilon);
  c.holds = c.worst_after_target <= 2 * epsilon;  // false when NaN (never within eps)
  c.final_regret =
      n ? relative_regret(c.value.back(), best) : std::numeric_limits<double>::quiet_NaN();
}

BenchCampaign drive_campaign(const CampaignConfig& config, Strategy& strategy, const Simulator& sim,
                             const SimulatedObjective& truth, double best, double epsilon,
                             const fs::path& archive_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  CampaignConfig cfg = config;
  cfg.executor.type = "simulated";
  if (archive_dir.empty()) {
    cfg.workdir = scratch_workdir();
  } else {
    cfg.workdir = archive_dir;
    fs::remove(archive_dir / "campaign.h5");  // a fresh campaign, never a resumed one
  }
  Campaign campaign(cfg);
  BenchCampaign out;
  out.curve.strategy = cfg.strategy.type;
  out.curve.seed = cfg.seed;
  MemoryLoop loop(campaign, strategy, sim, out);
  loop.run();
  const int k = cfg.space.k();
  out.curve.w = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(loop.recs_.size()), k,
                                          std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 0; i < loop.recs_.size(); ++i)
    if (loop.recs_[i].size() == k)
      out.curve.w.row(static_cast<Eigen::Index>(i)) = loop.recs_[i].transpose();
  out.curve.spent = campaign.spent();
  out.curve.trials = static_cast<int>(campaign.archive().trials.size());
  out.curve.scale_cost.assign(static_cast<size_t>(cfg.space.scales().size()), 0.0);
  for (const auto& t : campaign.archive().trials)
    if (t.state != TrialState::Failed)
      out.curve.scale_cost[static_cast<size_t>(t.point.scale)] += t.cost;
  score_curve(out.curve, cfg.space, truth, best, epsilon);
  if (!archive_dir.empty()) campaign.save();
  out.curve.wall_seconds = seconds_since(t0);
  return out;
}

void check_bench_options(const BenchOptions& o) {
  if (o.strategies.empty()) throw ConfigError("--strategies: no strategy named");
  if (o.seeds < 1) throw ConfigError("--seeds must be at least 1, got " + std::to_string(o.seeds));
  if (!(o.epsilon > 0 && std::isfinite(o.epsilon)))
    throw ConfigError("--epsilon must be a positive number, got " + shown(o.epsilon));
  if (o.bootstrap < 0)
    throw ConfigError("--bootstrap must be 0 or more, got " + std::to_string(o.bootstrap));
  if (o.sweep_points < 1)
    throw ConfigError("--sweep must be positive, got " + std::to_string(o.sweep_points));
}

BenchResult run_bench(const CampaignConfig& config, const BenchOptions& options, Team& team,
                      const BenchProgress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  check_bench_options(options);
  if (!(config.budget > 0 && std::isfinite(config.budget)))
    throw ConfigError("campaign.budget must be a positive number, got " + shown(config.budget));
  BenchResult r;
  r.config = config;
  r.options = options;
  const auto sim = make_simulator(config.simulator, config.space);
  const SimulatedObjective truth(*sim, config.objective);
  r.optimum = dense_optimum(*sim, config.objective, config.space, options.sweep_points,
                            options.sweep_starts, config.seed);
  {
    Rng rng = make_rng(config.seed, 0xbe7c);
    const Eigen::MatrixXd W =
        sample_dirichlet(config.space.simplex(), 1.0, options.sweep_points, rng);
    const double params = config.space.scales().target_scale().params;
    const auto steps = config.space.steps().max_steps();
    const double threshold = r.optimum.value + options.epsilon * std::abs(r.optimum.value);
    int hits = 0;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
      hits += truth(W.row(i).transpose(), params, steps) <= threshold;
    r.hit_samples = static_cast<int>(W.rows());
    r.hit_probability = static_cast<double>(hits) / static_cast<double>(W.rows());
  }

  const auto& known = default_bench_strategies();
  for (const auto& s : options.strategies) {
    if (std::find(r.strategies.begin(), r.strategies.end(), s) != r.strategies.end()) continue;
    CampaignConfig cfg = config;
    cfg.strategy.type = s;
    try {
      make_strategy(cfg.strategy_setup(), team);
      r.strategies.push_back(s);
    } catch (const ConfigError& e) {
      if (std::find(known.begin(), known.end(), s) == known.end())
        throw ConfigError("--strategies: unknown strategy '" + s + "' (" + e.what() + ")");
      r.skipped.push_back({s, e.what()});
    }
  }

  if (options.ranks < 1 || options.rank < 0 || options.rank >= options.ranks)
    throw Error("run_bench: rank " + std::to_string(options.rank) + " of " +
                std::to_string(options.ranks));
  // Seed-major, so a suite stopped early has every strategy on the same seeds.
  const auto mine = rank_share(options.seeds, r.strategies.size(), options.deal_offset,
                               options.rank, options.ranks);
  std::vector<BenchCampaign> runs;
  for (const auto& [i, si] : mine) {
    const auto& s = r.strategies[si];
    CampaignConfig cfg = config;
    cfg.strategy.type = s;
    cfg.seed = config.seed + static_cast<std::uint64_t>(i);
    // Named by the campaign's own seed, the one runs.csv and bench.h5 report: with
    // --campaign.seed=30 the first campaign is seed 31, and its archive seed31/.
    const std::string seed_name = "seed" + std::to_string(cfg.seed);
    cfg.name = config.name + "-" + s + "-" + seed_name;
    auto strategy = make_strategy(cfg.strategy_setup(), team);
    const fs::path dir = options.archives.empty() ? fs::path() : options.archives / s / seed_name;
    runs.push_back(
        drive_campaign(cfg, *strategy, *sim, truth, r.optimum.value, options.epsilon, dir));
    if (progress)
      progress(static_cast<int>(runs.size()), static_cast<int>(mine.size()), runs.back());
  }
  merge_campaigns(r, std::move(runs));
  r.wall_seconds = seconds_since(t0);
  return r;
}

std::vector<std::pair<int, size_t>> rank_share(int seeds, size_t strategies, int deal_offset,
                                               int rank, int ranks) {
  std::vector<std::pair<int, size_t>> mine;
  for (int i = 1; i <= seeds; ++i)
    for (size_t s = 0; s < strategies; ++s)
      if ((static_cast<int>(s) + i + deal_offset) % ranks == rank) mine.emplace_back(i, s);
  return mine;
}

std::vector<BenchCurve> curves_of(const BenchResult& r) {
  std::vector<BenchCurve> curves;
  for (const auto& b : r.campaigns) curves.push_back(b.curve);
  return curves;
}

std::vector<StrategyPrecision> bench_precision(const BenchResult& r) {
  if (r.options.bootstrap <= 0 || r.options.seeds < kMinBootstrapSamples) return {};
  return bootstrap_summary(curves_of(r), r.options.reference, r.options.bootstrap,
                           kBenchIntervalLevel, r.config.seed);
}

void merge_campaigns(BenchResult& r, std::vector<BenchCampaign> more) {
  for (auto& c : more) r.campaigns.push_back(std::move(c));
  auto order = [&](const BenchCampaign& c) {
    const auto it = std::find(r.strategies.begin(), r.strategies.end(), c.curve.strategy);
    return std::make_pair(it - r.strategies.begin(), c.curve.seed);
  };
  std::stable_sort(
      r.campaigns.begin(), r.campaigns.end(),
      [&](const BenchCampaign& a, const BenchCampaign& b) { return order(a) < order(b); });
}

void write_campaign(ByteWriter& w, const BenchCampaign& b) {
  const auto& c = b.curve;
  w.put(c.strategy);
  w.put<std::uint64_t>(c.seed);
  auto put_vec = [&](const std::vector<double>& v) {
    w.put(Eigen::VectorXd(
        Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))));
  };
  put_vec(c.cost);
  put_vec(c.value);
  put_vec(c.regret);
  put_vec(c.lo);
  put_vec(c.hi);
  put_vec(c.scale_cost);
  w.put(c.cost_to_1pct);
  w.put(Eigen::MatrixXd(c.w));
  w.put(c.spent);
  w.put(c.cost_to_target);
  w.put(c.cost_to_stay);
  w.put(c.worst_after_target);
  w.put<std::int32_t>(c.holds ? 1 : 0);
  w.put(c.final_regret);
  w.put<std::int32_t>(c.trials);
  w.put<std::int32_t>(c.failed);
  w.put(c.wall_seconds);
  put_vec(b.round_seconds);
}

BenchCampaign read_campaign(ByteReader& r) {
  BenchCampaign b;
  auto& c = b.curve;
  auto get_vec = [&] {
    const Eigen::VectorXd v = r.get_vector();
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  c.strategy = r.get_string();
  c.seed = r.get<std::uint64_t>();
  c.cost = get_vec();
  c.value = get_vec();
  c.regret = get_vec();
  c.lo = get_vec();
  c.hi = get_vec();
  c.scale_cost = get_vec();
  c.cost_to_1pct = r.get<double>();
  c.w = r.get_matrix();
  c.spent = r.get<double>();
  c.cost_to_target = r.get<double>();
  c.cost_to_stay = r.get<double>();
  c.worst_after_target = r.get<double>();
  c.holds = r.get<std::int32_t>() != 0;
  c.final_regret = r.get<double>();
  c.trials = r.get<std::int32_t>();
  c.failed = r.get<std::int32_t>();
  c.wall_seconds = r.get<double>();
  b.round_seconds = get_vec();
  return b;
}

std::string format_bench_report(const BenchResult& r,
                                const std::vector<StrategyPrecision>& precision) {
  std::ostringstream o;
  const auto& c = r.config;
  const auto& target = c.space.scales().target_scale();
  o << "objective: " << c.objective.text << " at " << target.name << ", "
    << c.space.steps().max_steps() << " steps (" << c.simulator.type << " simulator"
    << (c.simulator.file.empty() ? "" : ", " + c.simulator.file.filename().string())
    << (c.simulator.noise > 0 ? ", noise " + std::to_string(c.simulator.noise) : "")
    << (c.simulator.run_noise > 0 ? ", run noise " + std::to_string(c.simulator.run_noise) : "")
    << ")\n";
  o << "best achievable (dense search, " << r.optimum.evaluations
    << " evaluations): " << std::setprecision(6)
    << displayed_objective(c.objective, r.optimum.value) << " at";
  for (int i = 0; i < c.space.k(); ++i)
    o << " " << c.space.simplex().names()[static_cast<size_t>(i)] << " " << std::fixed
      << std::setprecision(3) << r.optimum.w[i];
  o << std::defaultfloat << "\n";
  o << "a random mixture (Dirichlet(1), as random search draws) is within eps with probability "
    << std::setprecision(3) << r.hit_probability << " ("
    << std::llround(r.hit_probability * r.hit_samples) << " of " << r.hit_samples << " draws)";
  if (r.hit_probability > 0)
    o << ": one full target run per draw needs a median of ln 2 / p = " << std::setprecision(4)
      << std::log(2.0) / r.hit_probability << " runs";
  o << "\n";
  o << "budget " << c.budget << " per campaign, " << r.options.seeds << " seeds (campaign.seed "
    << c.seed + 1 << " .. " << c.seed + static_cast<std::uint64_t>(r.options.seeds)
    << "), same for every strategy\n\n";
  const auto rows = summarise(curves_of(r), r.options.reference);
  o << format_summary(rows, r.options.reference, r.options.epsilon) << "\n";
  std::vector<std::string> scales;
  for (const auto& s : c.space.scales().scales()) scales.push_back(s.name);
  o << format_quality(rows, r.options.reference, scales);
  if (const std::string against = format_against_others(rows, r.options.reference);
      !against.empty())
    o << "\n" << against;
  if (r.options.bootstrap > 0 && r.options.seeds < kMinBootstrapSamples)
    o << "\nno precision table: it needs " << kMinBootstrapSamples << " seeds or more\n";
  else if (r.options.bootstrap > 0)
    o << "\n"
      << format_precision(precision, r.options.reference, r.options.seeds, r.options.bootstrap,
                          kBenchIntervalLevel);
  o << "\nmedian, q1, q3: cost at which the recommendation (its true objective, noiseless, at the\n"
       "target scale and full steps) first came within eps of the best achievable; 'reached'\n"
       "counts the seeds that got there. Seeds that never did are censored at the budget: they\n"
       "rank above every finite cost, and a quartile that falls on them reads 'never'; the ratio\n"
       "of a strategy whose median is 'never' is a lower bound ('> x': median spend over the\n"
       "reference median). 'x "
    << r.options.reference << "' = this strategy's median / " << r.options.reference
    << "'s median\n(higher: " << r.options.reference << " needed less).\n"
    << "stays from: median cost from which every later recommendation stayed within eps to the\n"
       "end; stays: the seeds whose recommendation did (a strategy that touches the target and\n"
       "drifts away reaches but does not stay). holds: of the seeds that came within eps, those\n"
       "whose recommendation never left 2 eps afterwards (within 0.5%, then always within 1%).\n";
  if (!r.skipped.empty()) {
    o << "\nskipped (not available in this build):\n";
    for (const auto& s : r.skipped) o << "  " << s.strategy << ": " << s.reason << "\n";
  }
  o << "\nper-round time (propose + recommend, seconds): ";
  bool first = true;
  for (const auto& s : r.strategies) {
    double sum = 0, mx = 0;
    size_t n = 0;
    for (const auto& b : r.campaigns)
      if (b.curve.strategy == s)
        for (double t : b.round_seconds) sum += t, mx = std::max(mx, t), ++n;
    o << (first ? "" : "; ") << s << " mean " << std::fixed << std::setprecision(3)
      << (n ? sum / static_cast<double>(n) : 0.0) << " max " << mx << " (" << n << " rounds)";
    first = false;
  }
  o << "\nwall time " << std::fixed << std::setprecision(1) << r.wall_seconds << " s\n";
  return o.str();
}

}  // namespace mixbo
