#include "mixbo/loop/campaign.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/splitmix.hpp"
#include "mixbo/core/text.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/job_script.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/loop/isolated_result.hpp"
#include "mixbo/loop/resume_check.hpp"
#include "mixbo/strategy/objective.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

// The last non-empty line a failed job wrote to stderr ("CUDA out of memory ..."), at most 200
// characters, control characters as '?'; "" when there is none. A job's exit code alone rarely
// says why it failed, and this line is what a user would look up first.
std::string stderr_tail(const fs::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - 4096);
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  std::string line;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);)
    if (!trim(l).empty()) line = trim(l);
  for (auto& ch : line)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  return line.size() > 200 ? line.substr(0, 197) + "..." : line;
}

}  // namespace

DriverLock::DriverLock(const fs::path& workdir) {
  std::error_code ec;
  fs::create_directories(workdir, ec);
  if (ec || !fs::is_directory(workdir))
    throw ConfigError("campaign.workdir " + workdir.string() + ": cannot create the folder (" +
                      (ec ? ec.message() : "a file of that name exists") + ")");
  const auto path = workdir / "driver.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw ConfigError("campaign.workdir " + workdir.string() + ": cannot open " + path.string() +
                      ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw ConfigError("another mixbo process is driving the campaign in " + workdir.string() +
                      " (it holds " + path.string() + ")");
  }
  // Only the lock holder writes the archive, so temporary files of earlier saves are leftovers
  // of drivers killed mid-save: never visible as campaign.h5, but litter.
  for (const auto& e : fs::directory_iterator(workdir, ec))
    if (e.path().filename().string().rfind(".campaign.h5.tmp.", 0) == 0) fs::remove(e.path(), ec);
}

DriverLock::~DriverLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool DriverLock::held(const fs::path& workdir) {
  const auto path = workdir / "driver.lock";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

std::string trial_id_of(std::int64_t row) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t%04lld", static_cast<long long>(row + 1));
  return buf;
}

double displayed_objective(const ObjectiveOptions& o, double v) { return o.minimize ? v : -v; }

Campaign::Campaign(CampaignConfig config)
    : config_(std::move(config)), metrics_(objective_metrics(config_.objective)) {
  const auto path = archive_path();
  if (fs::exists(path)) {
    archive_ = load_archive(path);
    check_resume(archive_, config_, path);
    if (archive_.observations.metric_names != metrics_) {
      // list_children sorts names: compare as sets.
      auto a = archive_.observations.metric_names, b = metrics_;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a != b)
        throw ConfigError(config_.file.string() +
                          ": objective.metric differs from the campaign archive " + path.string());
      // Reorder the stored columns to the config's order.
      std::vector<std::vector<double>> cols;
      for (const auto& m : metrics_) {
        const auto it = std::find(archive_.observations.metric_names.begin(),
                                  archive_.observations.metric_names.end(), m);
        cols.push_back(
            archive_.observations
                .metric[static_cast<size_t>(it - archive_.observations.metric_names.begin())]);
      }
      archive_.observations.metric = std::move(cols);
      archive_.observations.metric_names = metrics_;
    }
    for (const auto& t : archive_.trials)
      if (t.point.scale < 0 || t.point.scale >= config_.space.scales().size() ||
          t.point.w.size() != config_.space.k())
        throw ConfigError(config_.file.string() + ": scales differ from the campaign archive " +
                          path.string());
    archive_.config_text = config_.text;
    archive_.strategy = config_.strategy.type;
    archive_.objective = objective_normal_form(config_.objective);
    archive_.direction = config_.objective.minimize ? "minimize" : "maximize";
  } else {
    archive_.campaign = config_.name;
    archive_.instance = new_instance_id();
    archive_.strategy = config_.strategy.type;
    archive_.config_text = config_.text;
    archive_.created = unix_seconds();
    archive_.observations.metric_names = metrics_;
    archive_.observations.metric.assign(metrics_.size(), {});
    archive_.objective = objective_normal_form(config_.objective);
    archive_.direction = config_.objective.minimize ? "minimize" : "maximize";
  }
}

bool Campaign::exists_on_disk() const { return fs::exists(archive_path()); }

void Campaign::save() const {
  fs::create_directories(config_.workdir);
  save_archive(archive_path(), archive_, config_.space);
}

History Campaign::history() const {
  History h;
  const auto& o = archive_.observations;
  // In trial order, not in the order results came in: which of two concurrent jobs finished
  // first must not change what a strategy sees (synchronous campaigns are reproducible).
  std::vector<size_t> rows(o.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  std::stable_sort(rows.begin(), rows.end(),
                   [&](size_t a, size_t b) { return o.trial[a] < o.trial[b]; });
  h.observations.reserve(o.size());
  for (const size_t i : rows) {
    const auto& t = archive_.trials.at(static_cast<size_t>(o.trial[i]));
    Observation ob;
    ob.point = t.point;
    ob.point.steps = o.step[i];
    ob.value = config_.objective.minimize ? o.value[i] : -o.value[i];
    ob.trial = t.id;
    ob.run_steps = t.point.steps;
    h.observations.push_back(std::move(ob));
  }
  for (const auto& t : archive_.trials) h.runs.push_back(t.point);
  h.iteration = static_cast<int>(archive_.iterations.size());
  h.spent = spent();
  h.budget = config_.budget;
  return h;
}

double spent_cost(const std::vector<TrialRecord>& trials) {
  double s = 0;
  // A trial that failed on every attempt delivered nothing and mixbo cannot know how far its
  // jobs got: it is not counted (executor.stop_after_failures bounds what failing jobs burn).
  // Pending trials count in full: their cost is reserved.
  for (const auto& t : trials)
    if (t.source.empty() && t.state != TrialState::Failed) s += t.cost;
  return s;
}

double Campaign::spent() const { return spent_cost(archive_.trials); }

int Campaign::count(TrialState s) const {
  int n = 0;
  for (const auto& t : archive_.trials) n += t.state == s;
  return n;
}

int Campaign::active() const {
  int n = 0;
  for (const auto& t : archive_.trials) n += is_active(t.state);
  return n;
}

std::int64_t Campaign::add_trial(const Point& p, int iteration, const std::string& source) {
  TrialRecord t;
  const auto row = static_cast<std::int64_t>(archive_.trials.size());
  t.id = trial_id_of(row);
  t.point = p;
  t.cost = config_.space.cost(p);
  t.iteration = iteration;
  t.source = source;
  archive_.trials.push_back(t);
  archive_.record(row, TrialState::Proposed, "", source.empty() ? "" : "imported from " + source);
  return row;
}

int Campaign::add_proposals(const std::vector<Point>& proposals, int iteration,
                            const std::string& strategy) {
  const auto& sp = config_.space;
  double spent = this->spent();
  int added = 0;
  for (const auto& p : proposals) {
    if (p.w.size() != sp.k() || p.scale < 0 || p.scale >= sp.scales().size() || p.steps <= 0 ||
        p.steps > sp.steps().max_steps())
      throw Error("strategy " + strategy + " proposed an invalid point (scale " +
                  std::to_string(p.scale) + ", steps " + std::to_string(p.steps) + ")");
    // The budget is a hard cap: a run that would take the spend past it is not made (a
    // cheaper proposal of the same round may still fit).
    if (spent + sp.cost(p) > config_.budget * (1 + kBudgetSlack)) continue;
    add_trial(p, iteration);
    spent += sp.cost(p);
    ++added;
  }
  return added;
}

fs::path Campaign::trial_dir(std::int64_t trial) const {
  return config_.workdir / "trials" / archive_.trials.at(static_cast<size_t>(trial)).id;
}

std::string Campaign::job_name(std::int64_t trial) const {
  const std::string inst = archive_.instance.empty() ? "" : archive_.instance + "-";
  return "mixbo-" + config_.name + "-" + inst + archive_.trials.at(static_cast<size_t>(trial)).id;
}

bool Campaign::prepared_attempt(std::int64_t trial) const {
  const auto& t = archive_.trials.at(static_cast<size_t>(trial));
  try {
    const TrialParams p = read_params(trial_dir(trial) / "params.ini");
    return p.instance == archive_.instance && p.trial_id == t.id && p.attempt == t.attempt &&
           p.campaign == config_.name;
  } catch (const Error&) {
    return false;  // never written: no job of this attempt can exist
  }
}

std::vector<fs::path> stale_leftovers(const fs::path& workdir) {
  std::vector<fs::path> out;
  if (fs::exists(workdir / "campaign.h5")) return out;
  std::error_code ec;
  // Trial folders a dry run wrote (params.ini, job.sbatch) ran nothing: they are rewritten.
  const auto ran = [&](const fs::path& t) {
    return fs::exists(t / "result.h5", ec) || fs::exists(t / "stdout", ec) ||
           fs::exists(t / "stderr", ec);
  };
  for (const auto& t : fs::directory_iterator(workdir / "trials", ec))
    if (ran(t.path())) {
      out.push_back(workdir / "trials");
      break;
    }
  for (const char* d : {"local", "slurm"}) {
    const auto p = workdir / d;
    if (fs::is_directory(p, ec) && !fs::is_empty(p, ec)) out.push_back(p);
  }
  return out;
}

void clean_stale_leftovers(const fs::path& workdir) {
  const auto stale = stale_leftovers(workdir);
  // A job of the old campaign that still runs would write into the folders mixbo reuses.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(workdir / "local", ec))
    if (job_lock_held(e.path() / "lock"))
      throw ConfigError("cannot clean " + workdir.string() + ": job " +
                        e.path().filename().string() +
                        " of the earlier campaign is still running (stop it first)");
  for (const auto& p : stale) fs::remove_all(p);
}

TrialParams Campaign::params(std::int64_t trial) const {
  const auto& t = archive_.trials.at(static_cast<size_t>(trial));
  const auto& sp = config_.space;
  TrialParams p;
  p.trial_id = t.id;
  p.campaign = config_.name;
  p.instance = archive_.instance;
  p.attempt = t.attempt;
  p.domains = sp.simplex().names();
  p.mixture.assign(t.point.w.data(), t.point.w.data() + t.point.w.size());
  p.scale = sp.scales()[t.point.scale].name;
  p.scale_params = sp.scales()[t.point.scale].params;
  p.steps = t.point.steps;
  p.checkpoint_interval = sp.steps().interval();
  // 31 bits: every language reads it as a plain int.
  p.seed = splitmix64(config_.seed ^ splitmix64(static_cast<std::uint64_t>(trial))) & 0x7fffffffULL;
  p.trial_dir = trial_dir(trial);
  p.result = p.trial_dir / "result.h5";
  p.metrics = metrics_;
  p.simulator = config_.simulator.type;
  p.simulator_file = config_.simulator.file;
  p.simulator_seed = config_.simulator.seed;
  p.simulator_target_params = config_.simulator.target_params;
  p.noise = config_.simulator.noise;
  p.run_noise = config_.simulator.run_noise;
  p.sleep_per_cost = config_.simulator.sleep_per_cost;
  p.cost = t.cost;
  return p;
}

JobRequest Campaign::write_trial(std::int64_t trial) const {
  const auto dir = trial_dir(trial);
  fs::create_directories(dir);
  const TrialParams p = params(trial);
  const auto params_file = dir / "params.ini";
  write_params(params_file, p);
  JobRequest r;
  r.trial_id = p.trial_id;
  r.job_name = job_name(trial);
  r.trial_dir = dir;
  r.script = dir / "job.sbatch";
  r.attempt = p.attempt;
  write_text_atomic(r.script, render_job_script(config_.job_setup(), p, params_file, r.job_name));
  fs::permissions(r.script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
  return r;
}

void Campaign::add_observations(std::int64_t trial, const ResultCurve& curve) {
  auto& o = archive_.observations;
  for (size_t i = 0; i < curve.steps.size(); ++i) {
    std::map<std::string, double> m;
    for (const auto& name : metrics_) m[name] = curve.metrics.at(name)[i];
    o.trial.push_back(trial);
    o.step.push_back(curve.steps[i]);
    o.value.push_back(
        displayed_objective(config_.objective, objective_value(config_.objective, m)));
    for (size_t j = 0; j < metrics_.size(); ++j) o.metric[j].push_back(m[metrics_[j]]);
  }
}

bool Campaign::finish(std::int64_t trial, const JobStatus& status, bool isolated) {
  auto& t = archive_.trials.at(static_cast<size_t>(trial));
  const auto result = trial_dir(trial) / "result.h5";
  const std::string job_reason = status.phase == JobPhase::Failed ? status.reason : "";
  std::string reason;
  try {
    const ResultExpectations expect{t.id, metrics_, t.point.steps};
    ResultCurve c = isolated ? read_result_isolated(result, expect) : read_result(result, expect);
    if (c.status == "failed")
      throw ResultError(result.string() + ": the job reported status 'failed'");
    if (c.steps.empty()) throw ResultError(result.string() + ": no checkpoints");
    add_observations(trial, c);
    std::string note;
    if (!job_reason.empty())
      note = "partial: " + job_reason;
    else if (c.status == "partial" || c.steps.back() < t.point.steps)
      note = "partial";
    archive_.record(trial, TrialState::Done, "", note);
    return true;
  } catch (const ResultError& e) {
    std::string job = job_reason;
    if (const auto tail = stderr_tail(trial_dir(trial) / "stderr"); !job.empty() && !tail.empty())
      job += "; stderr: " + tail;
    if (job.empty())
      reason = std::string("result: ") + e.what();
    else if (fs::exists(result))
      reason = job + "; result: " + e.what();
    else
      reason = job;
  }
  archive_.record(trial, TrialState::Failed, "", reason);
  if (t.attempt < config_.executor.max_attempts) {
    ++t.attempt;
    t.job_id.clear();
    archive_.record(trial, TrialState::Proposed, "", "retry after: " + reason);
  }
  return false;
}

IterationRecord Campaign::labelled(const Recommendation& r, int iteration) const {
  IterationRecord rec;
  rec.iteration = iteration;
  rec.time = unix_seconds();
  rec.rec_valid = r.valid;
  if (!r.valid) return rec;
  const auto& o = config_.objective;
  rec.rec_mean = displayed_objective(o, r.mean);
  rec.rec_lo = displayed_objective(o, o.minimize ? r.lo : r.hi);
  rec.rec_hi = displayed_objective(o, o.minimize ? r.hi : r.lo);
  rec.rec_w = r.w;
  const auto& sp = config_.space;
  const int scale = r.scale < 0 ? sp.scales().target() : r.scale;
  rec.rec_scale = sp.scales()[scale].name;
  rec.rec_steps = r.steps > 0 ? r.steps : sp.steps().max_steps();
  rec.rec_at_target = scale == sp.scales().target() && rec.rec_steps == sp.steps().max_steps();
  rec.rec_interval = r.has_interval && rec.rec_hi > rec.rec_lo;
  return rec;
}

void Campaign::record_recommendation(const Recommendation& r, int iteration) {
  archive_.recommendation = labelled(r, iteration);
}

}  // namespace mixbo
