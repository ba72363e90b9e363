#include "mixbo/io/archive.hpp"

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>

#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/hdf5.hpp"

namespace mixbo {

namespace {

// Diagnostics are keyed by free text (they may hold domain names), but an HDF5 link name may not
// contain '/' or be ".": those (and the escape '%') are percent-encoded.
std::string encode_link_name(const std::string& name) {
  if (name == ".") return "%2E";
  std::string out;
  for (char ch : name) {
    if (ch == '/')
      out += "%2F";
    else if (ch == '%')
      out += "%25";
    else
      out += ch;
  }
  return out;
}

std::string decode_link_name(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size()) {
      const std::string code = name.substr(i + 1, 2);
      if (code == "2F") {
        out += '/';
        i += 2;
        continue;
      }
      if (code == "25") {
        out += '%';
        i += 2;
        continue;
      }
      if (code == "2E") {
        out += '.';
        i += 2;
        continue;
      }
    }
    out += name[i];
  }
  return out;
}

const std::vector<std::string>& state_names() {
  static const std::vector<std::string> n = {"proposed", "submitted", "running",
                                             "done",     "failed",    "cancelled"};
  return n;
}

template <class T, class F>
std::vector<T> column(const std::vector<TrialRecord>& rows, F f) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(static_cast<T>(f(r)));
  return out;
}

template <class R, class T, class F>
std::vector<T> column_of(const std::vector<R>& rows, F f) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(static_cast<T>(f(r)));
  return out;
}

void write_mixtures(hid_t g, const std::string& name, const std::vector<const Eigen::VectorXd*>& w,
                    size_t k) {
  std::vector<double> m;
  m.reserve(w.size() * k);
  for (const auto* v : w)
    for (size_t j = 0; j < k; ++j)
      m.push_back(v && static_cast<size_t>(v->size()) == k ? (*v)[static_cast<Eigen::Index>(j)]
                                                           : std::nan(""));
  h5::write_matrix(g, name, m.data(), w.size(), k);
}

std::vector<Eigen::VectorXd> read_mixtures(hid_t g, const std::string& name) {
  size_t rows = 0, cols = 0;
  const auto m = h5::read_matrix(g, name, rows, cols);
  std::vector<Eigen::VectorXd> out(rows, Eigen::VectorXd(static_cast<Eigen::Index>(cols)));
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) out[i][static_cast<Eigen::Index>(j)] = m[i * cols + j];
  return out;
}

TrialState to_state(std::int64_t v, const std::string& where) {
  if (v < 0 || v >= static_cast<std::int64_t>(state_names().size()))
    throw Error(where + ": unknown trial state code " + std::to_string(v));
  return static_cast<TrialState>(v);
}
}  // namespace

const char* state_name(TrialState s) { return state_names()[static_cast<size_t>(s)].c_str(); }

bool is_active(TrialState s) {
  return s == TrialState::Proposed || s == TrialState::Submitted || s == TrialState::Running;
}

void Archive::record(std::int64_t trial, TrialState state, const std::string& job_id,
                     const std::string& reason) {
  auto& t = trials.at(static_cast<size_t>(trial));
  t.state = state;
  if (!job_id.empty()) t.job_id = job_id;
  t.reason = reason;
  events.push_back(
      {trial, unix_seconds(), state, t.attempt, job_id.empty() ? t.job_id : job_id, reason});
}

std::vector<std::string> Archive::job_ids(std::int64_t trial) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : events)
    if (e.trial == trial && !e.job_id.empty() && seen.insert(e.job_id).second)
      out.push_back(e.job_id);
  return out;
}

namespace {
void write_archive_file(const std::filesystem::path& tmp, const Archive& a,
                        const SearchSpace& space);
}  // namespace

void save_archive(const std::filesystem::path& path, const Archive& a, const SearchSpace& space) {
  try {
    replace_file(path,
                 [&](const std::filesystem::path& tmp) { write_archive_file(tmp, a, space); });
  } catch (const std::exception& e) {
    throw Error("cannot save the campaign archive " + path.string() + ": " + e.what() +
                "; the archive as last saved is intact (free disk space, then run again)");
  }
}

namespace {
// /space: the domains, bounds, scale ladder and steps the archive was made for.
void write_space(hid_t root, const Archive& a, const SearchSpace& space) {
  h5::Handle g = h5::create_group(root, "space");
  const auto& sx = space.simplex();
  h5::write_strings(g.id(), "domains", sx.names());
  h5::write_doubles(g.id(), "lower", {sx.lower().data(), sx.lower().data() + sx.lower().size()});
  h5::write_doubles(g.id(), "upper", {sx.upper().data(), sx.upper().data() + sx.upper().size()});
  std::vector<std::string> sn;
  std::vector<double> sp, sc;
  for (const auto& s : space.scales().scales()) {
    sn.push_back(s.name);
    sp.push_back(s.params);
    sc.push_back(s.step_cost);
  }
  h5::write_strings(g.id(), "scale_names", sn);
  h5::write_doubles(g.id(), "scale_params", sp);
  h5::write_doubles(g.id(), "scale_step_costs", sc);
  h5::write_attr(g.id(), "target_scale", space.scales().target_scale().name);
  h5::write_attr(g.id(), "step_interval", space.steps().interval());
  h5::write_attr(g.id(), "max_steps", space.steps().max_steps());
  h5::write_ints(g.id(), "step_budgets", space.steps().budgets());
  h5::write_attr(g.id(), "objective", a.objective);
  h5::write_attr(g.id(), "direction", a.direction);
}

// /trials: one row per trial (state names in an attribute of /trials/state).
void write_trials(hid_t root, const Archive& a, const SearchSpace& space) {
  const size_t k = static_cast<size_t>(space.k());
  h5::Handle g = h5::create_group(root, "trials");
  const auto& t = a.trials;
  h5::write_strings(g.id(), "id", column<std::string>(t, [](auto& r) { return r.id; }));
  std::vector<const Eigen::VectorXd*> w;
  for (const auto& r : t) w.push_back(&r.point.w);
  write_mixtures(g.id(), "mixture", w, k);
  h5::write_ints(g.id(), "scale", column<std::int64_t>(t, [](auto& r) { return r.point.scale; }));
  h5::write_ints(g.id(), "steps", column<std::int64_t>(t, [](auto& r) { return r.point.steps; }));
  h5::write_doubles(g.id(), "cost", column<double>(t, [](auto& r) { return r.cost; }));
  h5::write_ints(g.id(), "iteration", column<std::int64_t>(t, [](auto& r) { return r.iteration; }));
  h5::write_ints(g.id(), "attempt", column<std::int64_t>(t, [](auto& r) { return r.attempt; }));
  h5::write_ints(g.id(), "state",
                 column<std::int64_t>(t, [](auto& r) { return static_cast<int>(r.state); }));
  h5::Handle ds = h5::Handle(H5Dopen2(g.id(), "state", H5P_DEFAULT), H5Dclose);
  std::string names;
  for (size_t i = 0; i < state_names().size(); ++i) {
    if (i) names += ',';
    names += std::to_string(i);
    names += '=';
    names += state_names()[i];
  }
  h5::write_attr(ds.id(), "state_names", names);
  h5::write_strings(g.id(), "job_id", column<std::string>(t, [](auto& r) { return r.job_id; }));
  h5::write_strings(g.id(), "reason", column<std::string>(t, [](auto& r) { return r.reason; }));
  h5::write_strings(g.id(), "source", column<std::string>(t, [](auto& r) { return r.source; }));
}

// /pending: rows of the trials still in flight.
void write_pending(hid_t root, const Archive& a) {
  h5::Handle g = h5::create_group(root, "pending");
  std::vector<std::int64_t> rows;
  for (size_t i = 0; i < a.trials.size(); ++i)
    if (is_active(a.trials[i].state)) rows.push_back(static_cast<std::int64_t>(i));
  h5::write_ints(g.id(), "trial", rows);
}

// /events: every state change of every trial.
void write_events(hid_t root, const Archive& a) {
  h5::Handle g = h5::create_group(root, "events");
  const auto& e = a.events;
  h5::write_ints(g.id(), "trial",
                 column_of<TrialEvent, std::int64_t>(e, [](auto& r) { return r.trial; }));
  h5::write_doubles(g.id(), "time",
                    column_of<TrialEvent, double>(e, [](auto& r) { return r.time; }));
  h5::write_ints(g.id(), "state", column_of<TrialEvent, std::int64_t>(e, [](auto& r) {
                   return static_cast<int>(r.state);
                 }));
  h5::write_ints(g.id(), "attempt",
                 column_of<TrialEvent, std::int64_t>(e, [](auto& r) { return r.attempt; }));
  h5::write_strings(g.id(), "job_id",
                    column_of<TrialEvent, std::string>(e, [](auto& r) { return r.job_id; }));
  h5::write_strings(g.id(), "reason",
                    column_of<TrialEvent, std::string>(e, [](auto& r) { return r.reason; }));
}

// /observations: one row per (trial, checkpoint), every metric.
void write_observations(hid_t root, const Archive& a) {
  h5::Handle g = h5::create_group(root, "observations");
  const auto& o = a.observations;
  h5::write_ints(g.id(), "trial", o.trial);
  h5::write_ints(g.id(), "step", o.step);
  h5::write_doubles(g.id(), "value", o.value);
  h5::Handle m = h5::create_group(g.id(), "metric");
  for (size_t i = 0; i < o.metric_names.size(); ++i)
    h5::write_doubles(m.id(), o.metric_names[i], o.metric.at(i));
}

// /iterations: one row per round, its recommendation and diagnostics.
void write_iterations(hid_t root, const Archive& a, const SearchSpace& space) {
  const size_t k = static_cast<size_t>(space.k());
  h5::Handle g = h5::create_group(root, "iterations");
  const auto& it = a.iterations;
  using I = IterationRecord;
  h5::write_ints(g.id(), "iteration",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.iteration; }));
  h5::write_doubles(g.id(), "time", column_of<I, double>(it, [](auto& r) { return r.time; }));
  h5::write_doubles(g.id(), "propose_seconds",
                    column_of<I, double>(it, [](auto& r) { return r.propose_seconds; }));
  h5::write_ints(g.id(), "n_proposed",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.n_proposed; }));
  h5::write_ints(g.id(), "rec_valid",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.rec_valid; }));
  h5::write_doubles(g.id(), "rec_mean",
                    column_of<I, double>(it, [](auto& r) { return r.rec_mean; }));
  h5::write_doubles(g.id(), "rec_lo", column_of<I, double>(it, [](auto& r) { return r.rec_lo; }));
  h5::write_doubles(g.id(), "rec_hi", column_of<I, double>(it, [](auto& r) { return r.rec_hi; }));
  h5::write_strings(g.id(), "rec_scale",
                    column_of<I, std::string>(it, [](auto& r) { return r.rec_scale; }));
  h5::write_ints(g.id(), "rec_steps",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.rec_steps; }));
  h5::write_ints(g.id(), "rec_at_target",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.rec_at_target; }));
  h5::write_ints(g.id(), "rec_interval",
                 column_of<I, std::int64_t>(it, [](auto& r) { return r.rec_interval; }));
  std::vector<const Eigen::VectorXd*> w;
  for (const auto& r : it) w.push_back(r.rec_valid ? &r.rec_w : nullptr);
  write_mixtures(g.id(), "rec_w", w, k);
  std::set<std::string> keys;
  for (const auto& r : it)
    for (const auto& [name, v] : r.diagnostics) keys.insert(name);
  h5::Handle d = h5::create_group(g.id(), "diagnostics");
  for (const auto& name : keys)
    h5::write_doubles(d.id(), encode_link_name(name), column_of<I, double>(it, [&](auto& r) {
                        auto f = r.diagnostics.find(name);
                        return f == r.diagnostics.end() ? std::nan("") : f->second;
                      }));
}

// /recommendation: the latest recommendation.
void write_recommendation(hid_t root, const Archive& a) {
  h5::Handle g = h5::create_group(root, "recommendation");
  const auto& r = a.recommendation;
  h5::write_attr(g.id(), "valid", static_cast<std::int64_t>(r.rec_valid));
  h5::write_attr(g.id(), "iteration", static_cast<std::int64_t>(r.iteration));
  h5::write_attr(g.id(), "mean", r.rec_mean);
  h5::write_attr(g.id(), "lo", r.rec_lo);
  h5::write_attr(g.id(), "hi", r.rec_hi);
  h5::write_attr(g.id(), "scale", r.rec_scale);
  h5::write_attr(g.id(), "steps", r.rec_steps);
  h5::write_attr(g.id(), "at_target", static_cast<std::int64_t>(r.rec_at_target));
  h5::write_attr(g.id(), "interval", static_cast<std::int64_t>(r.rec_interval));
  std::vector<double> w(r.rec_w.data(), r.rec_w.data() + r.rec_w.size());
  h5::write_doubles(g.id(), "w", w);
}

// /strategy_state: the strategy's saved state, when it has one.
void write_strategy_state(hid_t root, const Archive& a) {
  if (a.strategy_state_key.empty() && a.strategy_state.empty()) return;
  h5::Handle g = h5::create_group(root, "strategy_state");
  h5::write_attr(g.id(), "key", a.strategy_state_key);
  for (const auto& [name, v] : a.strategy_state) h5::write_doubles(g.id(), name, v);
}

void write_archive_file(const std::filesystem::path& tmp, const Archive& a,
                        const SearchSpace& space) {
  h5::write_file(tmp, [&](hid_t root) {
    h5::write_attr(root, "schema", static_cast<std::int64_t>(kArchiveSchema));
    h5::write_attr(root, "campaign", a.campaign);
    h5::write_attr(root, "instance", a.instance);
    h5::write_attr(root, "strategy", a.strategy);
    h5::write_attr(root, "created", a.created);
    h5::write_attr(root, "updated", unix_seconds());
    h5::write_strings(root, "config", {a.config_text});
    write_space(root, a, space);
    write_trials(root, a, space);
    write_pending(root, a);
    write_events(root, a);
    write_observations(root, a);
    write_iterations(root, a, space);
    write_recommendation(root, a);
    write_strategy_state(root, a);
  });
}
}  // namespace

namespace {

// /space, with its column lengths checked.
void read_space(hid_t root, Archive& a) {
  h5::Handle g = h5::open_group(root, "space");
  auto& sp = a.space;
  sp.domains = h5::read_strings(g.id(), "domains");
  sp.lower = h5::read_doubles(g.id(), "lower");
  sp.upper = h5::read_doubles(g.id(), "upper");
  sp.scale_names = h5::read_strings(g.id(), "scale_names");
  sp.scale_params = h5::read_doubles(g.id(), "scale_params");
  sp.scale_step_costs = h5::read_doubles(g.id(), "scale_step_costs");
  sp.target_scale = h5::read_attr_string(g.id(), "target_scale");
  sp.step_interval = h5::read_attr_int(g.id(), "step_interval");
  sp.max_steps = h5::read_attr_int(g.id(), "max_steps");
  if (sp.domains.empty() || sp.lower.size() != sp.domains.size() ||
      sp.upper.size() != sp.domains.size())
    throw Error("/space/domains, lower, upper have different lengths");
  if (sp.scale_names.empty() || sp.scale_params.size() != sp.scale_names.size() ||
      sp.scale_step_costs.size() != sp.scale_names.size())
    throw Error("/space/scale_names, scale_params, scale_step_costs have different lengths");
  if (h5::has_attr(g.id(), "objective")) a.objective = h5::read_attr_string(g.id(), "objective");
  if (h5::has_attr(g.id(), "direction")) a.direction = h5::read_attr_string(g.id(), "direction");
}

// /trials, with its column lengths checked.
void read_trials(hid_t root, Archive& a, const std::string& where) {
  h5::Handle g = h5::open_group(root, "trials");
  const auto id = h5::read_strings(g.id(), "id");
  const auto w = read_mixtures(g.id(), "mixture");
  const auto scale = h5::read_ints(g.id(), "scale");
  const auto steps = h5::read_ints(g.id(), "steps");
  const auto cost = h5::read_doubles(g.id(), "cost");
  const auto iteration = h5::read_ints(g.id(), "iteration");
  const auto attempt = h5::read_ints(g.id(), "attempt");
  const auto state = h5::read_ints(g.id(), "state");
  const auto job_id = h5::read_strings(g.id(), "job_id");
  const auto reason = h5::read_strings(g.id(), "reason");
  const auto source = h5::read_strings(g.id(), "source");
  const size_t n = id.size();
  for (size_t len : {w.size(), scale.size(), steps.size(), cost.size(), iteration.size(),
                     attempt.size(), state.size(), job_id.size(), reason.size(), source.size()})
    if (len != n) throw Error("/trials columns have different lengths");
  a.trials.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto& t = a.trials[i];
    t.id = id[i];
    t.point.w = w[i];
    t.point.scale = static_cast<int>(scale[i]);
    t.point.steps = steps[i];
    t.cost = cost[i];
    t.iteration = static_cast<int>(iteration[i]);
    t.attempt = static_cast<int>(attempt[i]);
    t.state = to_state(state[i], where);
    t.job_id = job_id[i];
    t.reason = reason[i];
    t.source = source[i];
  }
}

// /events, with its column lengths checked.
void read_events(hid_t root, Archive& a, const std::string& where) {
  h5::Handle g = h5::open_group(root, "events");
  const auto trial = h5::read_ints(g.id(), "trial");
  const auto time = h5::read_doubles(g.id(), "time");
  const auto state = h5::read_ints(g.id(), "state");
  const auto attempt = h5::read_ints(g.id(), "attempt");
  const auto job_id = h5::read_strings(g.id(), "job_id");
  const auto reason = h5::read_strings(g.id(), "reason");
  const size_t n = trial.size();
  for (size_t len : {time.size(), state.size(), attempt.size(), job_id.size(), reason.size()})
    if (len != n) throw Error("/events columns have different lengths");
  a.events.resize(n);
  for (size_t i = 0; i < n; ++i)
    a.events[i] = {trial[i],  time[i],  to_state(state[i], where), static_cast<int>(attempt[i]),
                   job_id[i], reason[i]};
}

// /observations, with its column lengths checked.
void read_observations(hid_t root, Archive& a) {
  h5::Handle g = h5::open_group(root, "observations");
  auto& o = a.observations;
  o.trial = h5::read_ints(g.id(), "trial");
  o.step = h5::read_ints(g.id(), "step");
  o.value = h5::read_doubles(g.id(), "value");
  h5::Handle m = h5::open_group(g.id(), "metric");
  o.metric_names = h5::list_children(m.id());
  for (const auto& name : o.metric_names) o.metric.push_back(h5::read_doubles(m.id(), name));
  for (size_t len : {o.step.size(), o.value.size()})
    if (len != o.trial.size()) throw Error("/observations columns have different lengths");
  for (const auto& col : o.metric)
    if (col.size() != o.trial.size())
      throw Error("/observations/metric columns have different lengths");
}

// Row references and trial fields against the tables and the space.
void check_rows_and_trials(const Archive& a) {
  const auto n = static_cast<std::int64_t>(a.trials.size());
  auto check_rows = [&](const std::vector<std::int64_t>& v, const char* dataset) {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] < 0 || v[i] >= n)
        throw Error(std::string(dataset) + "[" + std::to_string(i) + "] = " + std::to_string(v[i]) +
                    " is not a trial row (there are " + std::to_string(n) + ")");
  };
  check_rows(a.observations.trial, "/observations/trial");
  std::vector<std::int64_t> ev;
  for (const auto& e : a.events) ev.push_back(e.trial);
  check_rows(ev, "/events/trial");
  const auto k = static_cast<Eigen::Index>(a.space.domains.size());
  const auto scales = static_cast<int>(a.space.scale_names.size());
  for (size_t i = 0; i < a.trials.size(); ++i) {
    const auto& t = a.trials[i];
    std::string row = "[";  // piecewise: GCC 12 warns falsely (-Wrestrict) on "[" + string
    row += std::to_string(i);
    row += ']';
    if (t.point.scale < 0 || t.point.scale >= scales)
      throw Error("/trials/scale" + row + " = " + std::to_string(t.point.scale) +
                  " is not an index into /space/scale_names (" + std::to_string(scales) +
                  " scales)");
    if (t.point.w.size() != k)
      throw Error("/trials/mixture has " + std::to_string(t.point.w.size()) + " columns for " +
                  std::to_string(k) + " domains");
    if (t.attempt < 1) throw Error("/trials/attempt" + row + " is not positive");
  }
}

// /iterations (archives before schema 1.1 lack the recommendation labels).
void read_iterations(hid_t root, Archive& a) {
  h5::Handle g = h5::open_group(root, "iterations");
  const auto iteration = h5::read_ints(g.id(), "iteration");
  const auto time = h5::read_doubles(g.id(), "time");
  const auto ps = h5::read_doubles(g.id(), "propose_seconds");
  const auto np = h5::read_ints(g.id(), "n_proposed");
  const auto valid = h5::read_ints(g.id(), "rec_valid");
  const auto mean = h5::read_doubles(g.id(), "rec_mean");
  const auto lo = h5::read_doubles(g.id(), "rec_lo");
  const auto hi = h5::read_doubles(g.id(), "rec_hi");
  const auto w = read_mixtures(g.id(), "rec_w");
  const size_t n = iteration.size();
  // What each value refers to (archives before schema 1.1 lack it: left unknown).
  const bool labelled = h5::exists(g.id(), "rec_scale");
  const auto rscale =
      labelled ? h5::read_strings(g.id(), "rec_scale") : std::vector<std::string>(n);
  const auto rsteps = labelled ? h5::read_ints(g.id(), "rec_steps") : std::vector<std::int64_t>(n);
  const auto rtarget =
      labelled ? h5::read_ints(g.id(), "rec_at_target") : std::vector<std::int64_t>(n);
  const auto rinterval =
      labelled ? h5::read_ints(g.id(), "rec_interval") : std::vector<std::int64_t>(n);
  for (size_t len :
       {time.size(), ps.size(), np.size(), valid.size(), mean.size(), lo.size(), hi.size(),
        w.size(), rscale.size(), rsteps.size(), rtarget.size(), rinterval.size()})
    if (len != n) throw Error("/iterations columns have different lengths");
  a.iterations.resize(n);
  h5::Handle d = h5::open_group(g.id(), "diagnostics");
  std::map<std::string, std::vector<double>> diag;
  for (const auto& name : h5::list_children(d.id())) {
    auto col = h5::read_doubles(d.id(), name);
    if (col.size() != n)
      throw Error("/iterations/diagnostics/" + name + " has " + std::to_string(col.size()) +
                  " rows for " + std::to_string(n) + " rounds");
    diag[decode_link_name(name)] = std::move(col);
  }
  for (size_t i = 0; i < n; ++i) {
    auto& r = a.iterations[i];
    r.iteration = static_cast<int>(iteration.at(i));
    r.time = time.at(i);
    r.propose_seconds = ps.at(i);
    r.n_proposed = static_cast<int>(np.at(i));
    r.rec_valid = valid.at(i) != 0;
    r.rec_mean = mean.at(i);
    r.rec_lo = lo.at(i);
    r.rec_hi = hi.at(i);
    if (r.rec_valid) {
      if (w[i].size() != static_cast<Eigen::Index>(a.space.domains.size()))
        throw Error("/iterations/rec_w has " + std::to_string(w[i].size()) + " columns for " +
                    std::to_string(a.space.domains.size()) + " domains");
      r.rec_w = w[i];
    }
    r.rec_scale = rscale[i];
    r.rec_steps = rsteps[i];
    r.rec_at_target = rtarget[i] != 0;
    r.rec_interval = rinterval[i] != 0;
    for (const auto& [name, col] : diag)
      if (!std::isnan(col.at(i))) r.diagnostics[name] = col.at(i);
  }
}

// /recommendation.
void read_recommendation(hid_t root, Archive& a) {
  h5::Handle g = h5::open_group(root, "recommendation");
  auto& r = a.recommendation;
  r.rec_valid = h5::read_attr_int(g.id(), "valid") != 0;
  r.iteration = static_cast<int>(h5::read_attr_int(g.id(), "iteration"));
  r.rec_mean = h5::read_attr_double(g.id(), "mean");
  r.rec_lo = h5::read_attr_double(g.id(), "lo");
  r.rec_hi = h5::read_attr_double(g.id(), "hi");
  if (h5::has_attr(g.id(), "scale")) {  // not in archives written before these labels
    r.rec_scale = h5::read_attr_string(g.id(), "scale");
    r.rec_steps = h5::read_attr_int(g.id(), "steps");
    r.rec_at_target = h5::read_attr_int(g.id(), "at_target") != 0;
    r.rec_interval = h5::read_attr_int(g.id(), "interval") != 0;
  }
  const auto w = h5::read_doubles(g.id(), "w");
  if (r.rec_valid && w.size() != a.space.domains.size())
    throw Error("/recommendation/w has " + std::to_string(w.size()) + " values for " +
                std::to_string(a.space.domains.size()) + " domains");
  r.rec_w = Eigen::Map<const Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
}

}  // namespace

Archive load_archive(const std::filesystem::path& path) {
  const std::string where = path.string();
  try {
    Archive a;
    h5::Handle f = h5::open_file(path);
    const hid_t root = f.id();
    const auto schema = h5::read_attr_int(root, "schema");
    if (schema != kArchiveSchema)
      throw Error("schema " + std::to_string(schema) + " is not supported");
    a.campaign = h5::read_attr_string(root, "campaign");
    if (h5::has_attr(root, "instance")) a.instance = h5::read_attr_string(root, "instance");
    read_space(root, a);
    a.strategy = h5::read_attr_string(root, "strategy");
    a.created = h5::read_attr_double(root, "created");
    const auto cfg = h5::read_strings(root, "config");
    a.config_text = cfg.empty() ? "" : cfg.front();

    read_trials(root, a, where);
    read_events(root, a, where);
    read_observations(root, a);
    // Every row reference must point at a row: a corrupted index is named here, not found later
    // as an out-of-range access.
    check_rows_and_trials(a);
    read_iterations(root, a);
    read_recommendation(root, a);
    if (h5::exists(root, "strategy_state")) {
      h5::Handle g = h5::open_group(root, "strategy_state");
      a.strategy_state_key = h5::read_attr_string(g.id(), "key");
      for (const auto& name : h5::list_children(g.id()))
        a.strategy_state[name] = h5::read_doubles(g.id(), name);
    }
    return a;
  } catch (const std::out_of_range&) {
    throw Error(where + ": not a mixbo campaign archive (inconsistent table lengths)");
  } catch (const Error& e) {
    throw Error(where + ": not a readable mixbo campaign archive: " + e.what());
  }
}

std::string new_instance_id() {
  std::random_device rd;
  const std::uint32_t v = rd();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(v));
  return buf;
}

std::vector<std::string> archive_domains(const std::filesystem::path& path) {
  h5::Handle f = h5::open_file(path);
  h5::Handle g = h5::open_group(f.id(), "space");
  return h5::read_strings(g.id(), "domains");
}

ArchiveLadder archive_ladder(const std::filesystem::path& path) {
  h5::Handle f = h5::open_file(path);
  h5::Handle g = h5::open_group(f.id(), "space");
  ArchiveLadder l;
  l.names = h5::read_strings(g.id(), "scale_names");
  const auto target = h5::read_attr_string(g.id(), "target_scale");
  const auto it = std::find(l.names.begin(), l.names.end(), target);
  if (it == l.names.end())
    throw Error(path.string() + ": /space target_scale '" + target + "' is not in scale_names");
  l.target = static_cast<int>(it - l.names.begin());
  return l;
}

}  // namespace mixbo
