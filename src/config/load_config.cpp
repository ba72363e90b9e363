#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/config/ini.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/text.hpp"

namespace po = boost::program_options;

namespace mixbo {
namespace {

struct Key {
  const char* name;
  const char* fallback;  // nullptr: required (or derived, see `derived`)
  const char* help;
  bool derived = false;  // no fixed default, but not required either
};

// One table for the file keys and the flags, so they can never drift apart.
const std::vector<Key>& keys() {
  static const std::vector<Key> k = {
      {"campaign.name", nullptr, "campaign name (letters, digits, '-', '_'); names jobs and files"},
      {"campaign.workdir", nullptr,
       "campaign folder (default runs/<name>, relative to the current folder)", true},
      {"campaign.seed", "0",
       "seed of every random choice: same seed and same results in the same order, same "
       "campaign (runs in flight at once may finish in another order; executor.synchronous = "
       "true removes that)"},
      {"campaign.budget", nullptr,
       "total cost to spend, in the cost unit (a full run at step cost 1 costs 1)"},
      {"space.domains", nullptr, "comma-separated data domain names, e.g. web, code, books"},
      {"space.lower", "", "per-domain lower bounds on the proportion (comma list, default 0)"},
      {"space.upper", "", "per-domain upper bounds on the proportion (comma list, default 1)"},
      {"scales.names", "", "model-scale ladder names (default: the paper's 20M ... 1B)"},
      {"scales.params", "",
       "parameter count per scale, e.g. 20M, 1.3B (default: parsed from names)"},
      {"scales.step_costs", "",
       "relative cost of one training step per scale (default: paper values, or params / target "
       "params)"},
      {"scales.target", nullptr, "the scale the mixture is chosen for (default: the largest)",
       true},
      {"steps.interval", "100",
       "checkpoint interval: a run reports its loss every this many steps"},
      {"steps.max", "19500", "steps of a full-length run"},
      {"steps.budgets", "",
       "step budgets a new run may get (default: max/16, max/8, max/4, max/2, max)"},
      {"objective.metric", nullptr,
       "metric to optimise, or a weighted sum: 0.5*web_CE + 0.5*code_CE"},
      {"objective.direction", "minimize", "minimize | maximize"},
      {"executor.type", "local", "how runs are executed"},
      {"executor.max_concurrent", "2", "runs in flight at once (free slots)"},
      {"executor.max_attempts", "2", "submissions per trial before it stays failed"},
      {"executor.poll_seconds", "1", "seconds between polls of running jobs"},
      {"executor.synchronous", "false",
       "true: each round waits for every run in flight (reproducible campaigns on real "
       "executors; slower)"},
      {"executor.stop_after_failures", "5",
       "stop the campaign (exit 1) after this many failed jobs in a row"},
      {"job.template", "",
       "job-script template (default: jobs/train.sbatch.in with job.command, else "
       "jobs/mixbo-proxy.sbatch.in)"},
      {"job.command", "", "training command the generic template runs (jobs/train.sbatch.in)"},
      {"slurm.partition", "", "#SBATCH --partition"},
      {"slurm.account", "", "#SBATCH --account"},
      {"slurm.qos", "", "#SBATCH --qos"},
      {"slurm.gres", "", "#SBATCH --gres, e.g. gpu:1"},
      {"slurm.nodes", "1", "#SBATCH --nodes"},
      {"slurm.cpus_per_task", "1", "#SBATCH --cpus-per-task"},
      {"slurm.time", "01:00:00", "time limit: one value, or per scale: 20M=00:20:00, 1B=12:00:00"},
      {"slurm.extra", "",
       "extra #SBATCH directives separated by ';', e.g. --constraint=a100; --mem=64G"},
      {"slurm.array", "false", "submit a round of several runs as one job array"},
      {"simulator.type", "bimix", "objective of mixbo-proxy / the simulated executor"},
      {"simulator.seed", "0", "law-family: the member of the family (sim/law_family.hpp)"},
      {"simulator.file", "", "weights file of the mlp simulator (JSON)"},
      {"simulator.noise", "0", "std-dev of Gaussian noise added to simulated losses"},
      {"simulator.run_noise", "0",
       "std-dev of a Gaussian shift per run, added to every checkpoint and metric of the run"},
      {"simulator.sleep_per_cost", "0", "seconds a simulated run sleeps per unit of cost"},
      {"strategy.type", "mfms-bo", "the method that proposes runs"},
      {"strategy.acquisition", "target-ei-per-cost",
       "acquisition of the BO strategies (mfms-bo, sf-bo; see README)"},
      {"strategy.kernel", "auto",
       "GP kernel expression (auto: matern52(all) * rbf(scale) * expdecay(steps) + "
       "matern52(mixture) * rbf(scale), and for the value's trend models its first term and "
       "itself; with checkpoints = all, matern52(mixture) * rbf(scale) * expdecay(steps)); an "
       "expression given is every model's. Leaves act on a column group: mixture, scale, "
       "steps, all, or share1 .. sharek (one domain's share)"},
      {"strategy.n_init", "10", "runs of the initial design"},
      {"strategy.design_pairs", "auto",
       "mfms-bo: design runs that repeat the design's first mixtures at the second scale (at "
       "most n_init / 2; auto: min(3, n_init / 2), none on a one-scale ladder)"},
      {"strategy.design_steps", "auto",
       "mfms-bo: steps of the design's runs at the smallest scale, auto, max or a step budget; "
       "the design costs what its n_init full-length runs would, in runs of this length (a "
       "quarter of the steps: four runs for each); auto: the longest step budget whose run costs "
       "at most 1/64 of a target run"},
      {"strategy.batch", "0", "proposals per round (0: as many as free slots)"},
      {"strategy.fit_starts", "16",
       "starts of the GP hyperparameter fit (each runs 5 L-BFGS evaluations, the best 2 go on "
       "to convergence)"},
      {"strategy.raw_samples", "1024", "raw candidates per (scale, steps) in acquisition search"},
      {"strategy.refine_starts", "8", "best raw candidates refined by local optimisation"},
      {"strategy.output", "auto",
       "mfms-bo/sf-bo model log(value) (log), the raw value (raw), or log when every value is "
       "positive (auto)"},
      {"strategy.checkpoints", "thinned",
       "mfms-bo: what its GP learns from: the thinned training rows (thinned), or every "
       "checkpoint of every run for the hyperparameters and the recommendation (all; the "
       "acquisition stays on the thinned rows; needs a kernel k(mixture, scale) * k(steps))"},
      {"strategy.recommend_within", "hull",
       "mfms-bo/sf-bo: recommend the posterior minimiser within the convex hull of the mixtures "
       "run so far (hull) or anywhere on the bounded simplex (simplex)"},
      {"strategy.reach_z", "3",
       "mfms-bo/sf-bo with recommend_within = hull: recommend the posterior minimiser over the "
       "whole bounded simplex instead when its mean at the target is more than this many "
       "posterior sds (of the two values' difference) below the hull minimiser's (0: never)"},
      {"strategy.run_noise", "0",
       "mfms-bo/sf-bo: standard deviation of the shift a run's seed gives its whole loss curve, "
       "as a fraction of the loss (0.003: 0.3%; measured from a few seeds of one small run); the "
       "GP reads one run's checkpoints as sharing it (0: independent; auto: mfms-bo repeats 3 "
       "of its design's runs with other seeds, after the design, and measures it; it stops at "
       "the first repeat that agrees with its run bit for bit; not with checkpoints = all)"},
      {"strategy.answer_modes", "transfer",
       "mfms-bo: take the recommendation and its value from the hyperparameter fit's optimum "
       "and the optima where the kernel's scale correlations carry across the ladder, weighted "
       "by their posterior on each round's runs, refitted when a new scale's runs first report "
       "(transfer), or from the fit's optimum alone (map); the runs chosen are the same"},
      {"strategy.hyperband_eta", "3", "hyperband: keep 1/eta of each rung"},
      {"strategy.bimix_scale", "", "bimix-law: scale its law is fitted on (default: smallest)"},
      {"strategy.bimix_entropy", "",
       "bimix-law: per-domain data entropies; given, it trains softmax(entropy) (training-free "
       "mode)"},
      {"strategy.regmix_runs", "32", "regmix: cheap runs its regression is trained on"},
  };
  return k;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& unknown) {
  std::string best;
  size_t best_d = 4;  // farther than 3 edits is no near miss
  for (const auto& k : keys()) {
    const size_t d = edit_distance(unknown, k.name);
    if (d < best_d) best_d = d, best = k.name;
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

// The trimmed items of a `sep`-separated list; a trailing separator adds no empty item.
std::vector<std::string> list_items(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) out.push_back(trim(item));
  if (!out.empty() && out.back().empty() && !s.empty() && s.back() == sep) out.pop_back();
  return out;
}

// A decimal number: no hex, no inf/nan, no trailing text.
bool decimal_form(const std::string& t) {
  static const std::regex re(R"(^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$)");
  return std::regex_match(t, re);
}

// The merged values (flags over file over defaults); reports errors as "<where>: key 'k': what".
class Reader {
 public:
  Reader(std::map<std::string, std::string> given, std::string where)
      : given_(std::move(given)), where_(std::move(where)) {}

  bool given(const std::string& key) const {
    const auto it = given_.find(key);
    return it != given_.end() && !trim(it->second).empty();
  }
  std::string str(const std::string& key) const {
    if (const auto it = given_.find(key); it != given_.end()) return trim(it->second);
    for (const auto& k : keys())
      if (key == k.name) return k.fallback ? k.fallback : "";
    return "";
  }
  std::string required(const std::string& key) const {
    if (!given(key)) fail(key, "is required but missing");
    return str(key);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(where_ + ": key '" + key + "' " + what);
  }
  double number(const std::string& key, const std::string& text) const {
    const std::string t = trim(text);
    if (!decimal_form(t)) fail(key, "has malformed number '" + t + "'");
    errno = 0;
    const double v = std::strtod(t.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v)) fail(key, "has out-of-range number '" + t + "'");
    return v;
  }
  double number(const std::string& key) const { return number(key, str(key)); }
  // An integer in [lo, hi] (plain decimal digits).
  long long integer(const std::string& key, const std::string& text, long long lo,
                    long long hi) const {
    const std::string t = trim(text);
    static const std::regex int_re(R"(^[-+]?[0-9]+$)");
    if (!std::regex_match(t, int_re)) {
      if (decimal_form(t)) fail(key, "must be an integer, got '" + t + "'");
      fail(key, "has malformed integer '" + t + "'");
    }
    long long v = 0;
    const char* b = t.c_str() + (t[0] == '+');
    const auto [p, ec] = std::from_chars(b, t.c_str() + t.size(), v);
    if (ec != std::errc() || v < lo || v > hi)
      fail(key,
           "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + t);
    return v;
  }
  long long integer(const std::string& key, long long lo, long long hi) const {
    return integer(key, str(key), lo, hi);
  }
  // Any int: the options struct's validate() says which values make sense.
  int any_int(const std::string& key) const {
    const long long v =
        integer(key, std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max());
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      fail(key, "is out of range, got " + str(key));
    return static_cast<int>(v);
  }
  bool boolean(const std::string& key) const {
    std::string v = str(key);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
    if (v == "false" || v == "no" || v == "0" || v == "off") return false;
    fail(key, "must be true or false, got '" + str(key) + "'");
  }
  std::vector<double> numbers(const std::string& key) const {
    std::vector<double> out;
    for (const auto& t : list_items(str(key), ',')) out.push_back(number(key, t));
    return out;
  }
  std::string choice(const std::string& key, const std::vector<std::string>& allowed) const {
    const auto v = str(key);
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(key, "is '" + v + "'; allowed: " + list);
    }
    return v;
  }

 private:
  std::map<std::string, std::string> given_;
  std::string where_;
};

// "20M", "1.3B", "125e6", "7K" -> parameter count.
double parse_params(const Reader& r, const std::string& key, const std::string& text) {
  static const std::regex re(R"(^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMbBtT]?)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) r.fail(key, "has malformed parameter count '" + text + "'");
  double v = r.number(key, m[1]);
  switch (std::toupper(m[2].str().empty() ? ' ' : m[2].str()[0])) {
    case 'K':
      v *= 1e3;
      break;
    case 'M':
      v *= 1e6;
      break;
    case 'B':
      v *= 1e9;
      break;
    case 'T':
      v *= 1e12;
      break;
    default:
      break;
  }
  if (!std::isfinite(v) || v <= 0) r.fail(key, "has out-of-range parameter count '" + text + "'");
  return v;
}

BoundedSimplex read_simplex(const Reader& r) {
  const auto names = list_items(r.required("space.domains"), ',');
  const auto k = static_cast<Eigen::Index>(names.size());
  auto bounds = [&](const std::string& key, double fill) {
    Eigen::VectorXd b = Eigen::VectorXd::Constant(k, fill);
    if (!r.given(key)) return b;
    const auto v = r.numbers(key);
    if (static_cast<Eigen::Index>(v.size()) != k)
      r.fail(key,
             "has " + std::to_string(v.size()) + " values for " + std::to_string(k) + " domains");
    for (Eigen::Index i = 0; i < k; ++i) b[i] = v[static_cast<size_t>(i)];
    return b;
  };
  const Eigen::VectorXd lower = bounds("space.lower", 0.0), upper = bounds("space.upper", 1.0);
  try {
    return BoundedSimplex(names, lower, upper);
  } catch (const ConfigError& e) {
    r.fail("space.domains", std::string("/ bounds: ") + e.what());
  }
}

ScaleLadder read_scales(const Reader& r) {
  if (!r.given("scales.names")) {
    if (r.given("scales.params") || r.given("scales.step_costs"))
      r.fail("scales.names", "is required when scales.params or scales.step_costs is given");
    const std::string target = r.given("scales.target") ? r.str("scales.target") : "1B";
    try {
      return ScaleLadder::paper_default(target);
    } catch (const ConfigError& e) {
      r.fail("scales.target", e.what());
    }
  }
  const auto names = list_items(r.str("scales.names"), ',');
  std::vector<std::string> params_text =
      r.given("scales.params") ? list_items(r.str("scales.params"), ',') : names;
  if (params_text.size() != names.size())
    r.fail("scales.params", "has " + std::to_string(params_text.size()) + " values for " +
                                std::to_string(names.size()) + " scales");
  const std::string params_key = r.given("scales.params") ? "scales.params" : "scales.names";
  std::vector<Scale> scales;
  for (size_t i = 0; i < names.size(); ++i)
    scales.push_back({names[i], parse_params(r, params_key, params_text[i]), 0.0});
  std::string target = r.str("scales.target");
  if (target.empty())
    target = std::max_element(scales.begin(), scales.end(), [](auto& a, auto& b) {
               return a.params < b.params;
             })->name;
  if (r.given("scales.step_costs")) {
    const auto c = r.numbers("scales.step_costs");
    if (c.size() != names.size())
      r.fail("scales.step_costs", "has " + std::to_string(c.size()) + " values for " +
                                      std::to_string(names.size()) + " scales");
    for (size_t i = 0; i < c.size(); ++i) {
      if (!(c[i] > 0)) r.fail("scales.step_costs", "must be positive, got " + std::to_string(c[i]));
      scales[i].step_cost = c[i];
    }
  } else {
    // Training FLOPs ~ 6 N D with the same tokens per step: cost is proportional to N.
    const auto t =
        std::find_if(scales.begin(), scales.end(), [&](auto& s) { return s.name == target; });
    const double ref = t == scales.end() ? scales.back().params : t->params;
    for (auto& s : scales) s.step_cost = s.params / ref;
  }
  try {
    return ScaleLadder(std::move(scales), target);
  } catch (const ConfigError& e) {
    r.fail(std::string(e.what()).find("target") != std::string::npos ? "scales.target"
                                                                     : "scales.names",
           e.what());
  }
}

// The largest step count a key may give (steps.interval, steps.max, strategy.design_steps).
constexpr long long kMaxSteps = 1'000'000'000'000LL;

StepGrid read_steps(const Reader& r) {
  const auto interval = r.integer("steps.interval", 1, kMaxSteps);
  const auto max = r.integer("steps.max", 1, kMaxSteps);
  std::vector<std::int64_t> budgets;
  if (r.given("steps.budgets")) {
    for (const auto& t : list_items(r.str("steps.budgets"), ','))
      budgets.push_back(r.integer("steps.budgets", t, 1, kMaxSteps));
  } else {
    for (int div : {16, 8, 4, 2}) {
      const std::int64_t b = (max / div) / interval * interval;
      if (b >= interval) budgets.push_back(b);
    }
  }
  try {
    return StepGrid(interval, max, budgets);
  } catch (const ConfigError& e) {
    r.fail(r.given("steps.budgets") ? "steps.budgets" : "steps.max", e.what());
  }
}

ObjectiveOptions read_objective(const Reader& r) {
  ObjectiveOptions o;
  o.text = r.required("objective.metric");
  static const std::regex term(
      R"(^\s*(?:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\*\s*)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*$)");
  if (o.text.back() == '+') r.fail("objective.metric", "ends with '+' (a term is missing)");
  for (const auto& t : list_items(o.text, '+')) {
    std::smatch m;
    if (!std::regex_match(t, m, term))
      r.fail("objective.metric", "has malformed term '" + t + "' (expected name or weight*name)");
    o.terms.emplace_back(m[2], m[1].matched ? r.number("objective.metric", m[1]) : 1.0);
  }
  o.minimize = r.choice("objective.direction", {"minimize", "maximize"}) == "minimize";
  return o;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  if (p.empty()) return {};
  std::filesystem::path path(p);
  return path.is_absolute() ? path : (base / path).lexically_normal();
}

// The flags' values by key (they take precedence over the file); each flag is appended to
// `text` as a comment line, so the archive records it.
std::map<std::string, std::string> read_flags(const std::vector<std::string>& flags,
                                              std::string& text) {
  std::map<std::string, std::string> given;
  try {
    po::options_description desc;
    for (const auto& k : keys()) desc.add_options()(k.name, po::value<std::string>(), k.help);
    auto parsed = po::command_line_parser(flags).options(desc).allow_unregistered().run();
    for (const auto& o : parsed.options)
      if (o.unregistered)
        throw ConfigError("flags: unknown option '" + o.string_key + "'" +
                          suggestion(o.string_key));
    po::variables_map vm;
    po::store(parsed, vm);
    for (const auto& k : keys())
      if (vm.count(k.name)) given[k.name] = vm[k.name].as<std::string>();
    for (const auto& f : flags) text += "# flag: " + f + "\n";
  } catch (const po::error& e) {
    throw ConfigError(std::string("flags: ") + e.what());
  }
  for (const auto& [key, value] : given)
    for (unsigned char ch : value)
      if (ch < 0x20 && ch != '\t')
        throw ConfigError("flags: key '" + key + "' has a control character (newline?) in '" +
                          printable(value) + "'");
  return given;
}

// The file's keys, added to `given` where no flag gave the key already.
void add_file_keys(const std::string& file_text, const std::string& where,
                   std::map<std::string, std::string>& given) {
  std::set<std::string> seen;
  for (const auto& e : parse_ini(file_text, where)) {
    const bool known =
        std::any_of(keys().begin(), keys().end(), [&](const Key& k) { return e.key == k.name; });
    if (!known)
      throw ConfigError(where + ": line " + std::to_string(e.line) + ": unknown key '" +
                        printable(e.key) + "'" + suggestion(e.key));
    if (!seen.insert(e.key).second)
      throw ConfigError(where + ": key '" + e.key + "' is given twice");
    given.emplace(e.key, e.value);  // a flag given for the key wins
  }
}

// The component names (executor.type, simulator.type, strategy.type, strategy.acquisition)
// are kept as names: the modules that own the components check them (their registries), and
// the composition root does so right after loading (cli/components.hpp).
ExecutorOptions read_executor(const Reader& r) {
  ExecutorOptions e;
  e.type = r.str("executor.type");
  e.max_concurrent = r.any_int("executor.max_concurrent");
  e.max_attempts = r.any_int("executor.max_attempts");
  e.synchronous = r.boolean("executor.synchronous");
  e.stop_after_failures = r.any_int("executor.stop_after_failures");
  e.poll_seconds = r.number("executor.poll_seconds");
  e.slurm_array = r.boolean("slurm.array");
  return e;
}

JobOptions read_job(const Reader& r, const std::filesystem::path& base) {
  JobOptions j;
  j.command = r.str("job.command");
  // A training command without a template means the generic template that runs it; the
  // simulator's template would ignore it and report simulated losses as the training's.
  const char* fallback = j.command.empty() ? "mixbo-proxy.sbatch.in" : "train.sbatch.in";
  j.template_path = r.given("job.template")
                        ? resolve(base, r.str("job.template"))
                        : std::filesystem::path(MIXBO_SOURCE_DIR) / "jobs" / fallback;
  return j;
}

// slurm.time is "LIMIT" (every scale) and/or "SCALE=LIMIT" items; slurm.extra is ';'-separated.
SbatchOptions read_slurm(const Reader& r) {
  SbatchOptions sl;
  sl.partition = r.str("slurm.partition");
  sl.account = r.str("slurm.account");
  sl.qos = r.str("slurm.qos");
  sl.gres = r.str("slurm.gres");
  sl.nodes = r.any_int("slurm.nodes");
  sl.cpus_per_task = r.any_int("slurm.cpus_per_task");
  for (const auto& item : list_items(r.str("slurm.time"), ',')) {
    const auto eq = item.find('=');
    const std::string t = trim(eq == std::string::npos ? item : item.substr(eq + 1));
    if (eq == std::string::npos)
      sl.default_time_limit = t;
    else
      sl.time_limit[trim(item.substr(0, eq))] = t;
  }
  for (const auto& d : list_items(r.str("slurm.extra"), ';'))
    if (!d.empty()) sl.extra.push_back(d);
  return sl;
}

SimulatorOptions read_simulator(const Reader& r, const std::filesystem::path& base,
                                const SearchSpace& space) {
  SimulatorOptions sim;
  sim.type = r.str("simulator.type");
  sim.seed = static_cast<std::uint64_t>(
      r.integer("simulator.seed", 0, std::numeric_limits<long long>::max()));
  sim.target_params = space.scales().target_scale().params;
  sim.file = resolve(base, r.str("simulator.file"));
  sim.noise = r.number("simulator.noise");
  sim.run_noise = r.number("simulator.run_noise");
  sim.sleep_per_cost = r.number("simulator.sleep_per_cost");
  return sim;
}

StrategyOptions read_strategy(const Reader& r) {
  StrategyOptions s;
  s.type = r.str("strategy.type");
  s.acquisition = r.str("strategy.acquisition");
  s.kernel = r.str("strategy.kernel");
  s.n_init = r.any_int("strategy.n_init");
  // "auto" or a count; a negative count is an error, not a spelling of auto.
  s.design_pairs = r.str("strategy.design_pairs") == "auto"
                       ? StrategyOptions::kAutoPairs
                       : static_cast<int>(r.integer("strategy.design_pairs", 0, 100'000));
  const auto design_steps = r.str("strategy.design_steps");
  s.design_steps = design_steps == "auto"  ? StrategyOptions::kAutoSteps
                   : design_steps == "max" ? StrategyOptions::kFullLength
                                           : r.integer("strategy.design_steps", 1, kMaxSteps);
  s.batch = r.any_int("strategy.batch");
  s.fit_starts = r.any_int("strategy.fit_starts");
  s.raw_samples = r.any_int("strategy.raw_samples");
  s.refine_starts = r.any_int("strategy.refine_starts");
  s.output = r.str("strategy.output");
  s.checkpoints = r.str("strategy.checkpoints");
  s.recommend_within = r.str("strategy.recommend_within");
  s.reach_z = r.number("strategy.reach_z");
  // "auto" or a size; a negative size is an error, not a spelling of auto.
  if (r.str("strategy.run_noise") == "auto") {
    s.run_noise = StrategyOptions::kAutoRunNoise;
  } else {
    s.run_noise = r.number("strategy.run_noise");
    if (s.run_noise < 0)
      r.fail("strategy.run_noise", "must be auto or a finite standard deviation >= 0");
  }
  s.answer_modes = r.str("strategy.answer_modes");
  s.hyperband_eta = r.any_int("strategy.hyperband_eta");
  s.bimix_scale = r.str("strategy.bimix_scale");
  if (r.given("strategy.bimix_entropy")) s.bimix_entropy = r.numbers("strategy.bimix_entropy");
  s.regmix_runs = r.any_int("strategy.regmix_runs");
  return s;
}

// Every section's own validate(), with the file put in front of its "key '...' ..." message.
void validate_sections(const CampaignConfig& c, const std::string& where) {
  try {
    c.objective.validate();
    c.executor.validate();
    c.slurm.validate(c.space);
    c.simulator.validate();
    c.strategy.validate(c.space);
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
}

}  // namespace

CampaignConfig load_config(const std::filesystem::path& file,
                           const std::vector<std::string>& flags) {
  if (file.empty()) return load_config_text("", file, flags);
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError(file.string() + ": is a folder, not a campaign file");
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot open the campaign file");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError(file.string() + ": cannot read the campaign file");
  return load_config_text(ss.str(), file, flags);
}

CampaignConfig load_config_text(const std::string& file_text, const std::filesystem::path& file,
                                const std::vector<std::string>& flags) {
  const std::string where = file.empty() ? "flags" : file.string();
  std::string text;
  auto given = read_flags(flags, text);
  if (!file.empty()) {
    text = file_text + text;
    add_file_keys(file_text, where, given);
  }
  const Reader r(std::move(given), where);
  // Absolute before taking the folder: a file named without one ("c.ini") has an empty parent.
  const auto base = file.empty() ? std::filesystem::current_path()
                                 : std::filesystem::absolute(file).parent_path();

  CampaignConfig c;
  c.file = file;
  c.config_dir = std::filesystem::absolute(base).lexically_normal();
  c.text = text;
  c.name = r.required("campaign.name");
  static const std::regex name_re("^[A-Za-z0-9][A-Za-z0-9_.-]*$");
  if (!std::regex_match(c.name, name_re))
    r.fail("campaign.name", "'" + c.name + "' may hold only letters, digits, '.', '-' and '_'");
  c.workdir = r.given("campaign.workdir")
                  ? std::filesystem::absolute(r.str("campaign.workdir")).lexically_normal()
                  : std::filesystem::absolute(std::filesystem::path("runs") / c.name);
  c.seed = static_cast<std::uint64_t>(
      r.integer("campaign.seed", 0, std::numeric_limits<long long>::max()));
  c.budget = r.number("campaign.budget", r.required("campaign.budget"));
  if (!(c.budget > 0))
    r.fail("campaign.budget", "must be positive, got " + r.str("campaign.budget"));

  c.space = SearchSpace(read_simplex(r), read_scales(r), read_steps(r));
  c.objective = read_objective(r);

  c.executor = read_executor(r);
  c.job = read_job(r, base);
  c.slurm = read_slurm(r);
  c.simulator = read_simulator(r, base, c.space);
  c.strategy = read_strategy(r);
  validate_sections(c, where);
  return c;
}

StrategySetup CampaignConfig::strategy_setup() const {
  return StrategySetup{space, seed, budget, strategy, config_source(*this)};
}

ExecutorSetup CampaignConfig::executor_setup() const {
  return ExecutorSetup{executor, workdir, config_source(*this)};
}

JobSetup CampaignConfig::job_setup() const { return JobSetup{job, slurm, workdir, config_dir}; }

std::string config_source(const CampaignConfig& c) {
  return c.file.empty() ? "flags" : c.file.string();
}

std::string config_reference(const std::map<std::string, std::string>& choices) {
  std::ostringstream out;
  std::string section;
  for (const auto& k : keys()) {
    const std::string name = k.name;
    const std::string sec = name.substr(0, name.find('.'));
    if (sec != section) out << "\n[" << (section = sec) << "]\n";
    std::string key = name.substr(name.find('.') + 1);
    out << "  " << key << std::string(key.size() < 16 ? 16 - key.size() : 1, ' ') << k.help;
    if (k.fallback && *k.fallback) out << " [" << k.fallback << "]";
    if (!k.fallback && !k.derived) out << " (required)";
    out << "\n";
    if (const auto it = choices.find(name); it != choices.end()) {
      std::istringstream lines(it->second);
      for (std::string line; std::getline(lines, line);)
        out << std::string(20, ' ') << line << "\n";
    }
  }
  return out.str();
}

}  // namespace mixbo
