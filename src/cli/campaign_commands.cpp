// mixbo run / status / cancel / import.
#include <boost/program_options.hpp>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "components.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/exact_number.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/loop/estimate_basis.hpp"
#include "mixbo/loop/estimate_text.hpp"
#include "mixbo/loop/isolated_result.hpp"
#include "mixbo/loop/loop.hpp"
#include "mixbo/par/team_program.hpp"
#include "mixbo/strategy/objective.hpp"
#include "options.hpp"
#include "preflight.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mixbo::cli {

int run(const Args& args) {
  // Under mpiexec every rank gets here; only rank 0 runs the body (reads the config, talks to
  // the executor, prints), the others compute multi-start tasks for it until it is done.
  return run_team_program([&](Team& team) {
    CommandLine cl(
        "run",
        "Run a campaign until its budget is spent and print the recommended mixture. Running it\n"
        "again resumes it: finished trials are kept, running jobs are adopted, nothing is rerun.\n"
        "Under 'mpiexec -n N mixbo run CONFIG' ranks 1..N-1 share the model fits and\n"
        "acquisition optimisation; only rank 0 reads files, submits jobs and prints.",
        args, [](po::options_description& d) {
          d.add_options()("quiet,q", "print only the recommendation")(
              "json", "progress and result as JSON lines")(
              "dry-run", "write the next round's trial folders and job scripts; submit nothing")(
              "clean-stale",
              "delete trials/, local/ and slurm/ left in the workdir by an earlier campaign whose "
              "campaign.h5 is gone (refused otherwise)");
        });
    if (cl.help()) return 0;
    const auto config = load_checked_config(cl.config_file(), cl.overrides());
    for (const auto& note : preflight(config)) std::cerr << "mixbo run: " << note << "\n";
    LoopOptions o;
    o.quiet = cl.vm().count("quiet") > 0;
    o.json = cl.vm().count("json") > 0;
    o.dry_run = cl.vm().count("dry-run") > 0;
    std::unique_ptr<DriverLock> lock;
    if (!o.dry_run) lock = std::make_unique<DriverLock>(config.workdir);
    if (const auto stale = stale_leftovers(config.workdir); !stale.empty()) {
      if (!cl.vm().count("clean-stale") || o.dry_run) {
        std::string list;
        for (const auto& p : stale) list += (list.empty() ? "" : ", ") + p.filename().string();
        throw ConfigError(config.workdir.string() + " holds " + list +
                          " of an earlier campaign but no campaign.h5: its jobs and results "
                          "would be taken for this campaign's. Use another campaign.workdir, or "
                          "'mixbo run --clean-stale' to delete them");
      }
      clean_stale_leftovers(config.workdir);
    }
    Campaign campaign(config);
    auto strategy = make_strategy(config.strategy_setup(), team);
    std::unique_ptr<Executor> executor;
    if (!o.dry_run) executor = make_configured_executor(config);
    const auto r = run_loop(campaign, executor.get(), *strategy, o);
    return r.finished || o.dry_run ? 0 : 1;
  });
}

namespace {

// CONFIG file or campaign folder (or its campaign.h5) -> archive path.
fs::path archive_of(const std::string& arg, const std::vector<std::string>& overrides) {
  fs::path p(arg);
  if (fs::is_directory(p)) return p / "campaign.h5";
  if (p.extension() == ".h5") return p;
  return load_checked_config(p, overrides).workdir / "campaign.h5";
}

std::string fixed(double v, int prec) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(prec) << v;
  return o.str();
}

std::string state_label(const TrialRecord& t) {
  std::string s = state_name(t.state);
  if (t.attempt > 1) {
    s += '#';
    s += std::to_string(t.attempt);
  }
  return s;
}

}  // namespace

namespace {

// Last observation (step, value) of each trial, by trial row: its result so far.
using LastResults = std::vector<std::optional<std::pair<std::int64_t, double>>>;
LastResults last_results(const Archive& a) {
  std::vector<std::optional<std::pair<std::int64_t, double>>> last(a.trials.size());
  const auto& o = a.observations;
  for (size_t i = 0; i < o.size(); ++i) {
    auto& l = last.at(static_cast<size_t>(o.trial[i]));
    if (!l || o.step[i] > l->first) l = std::make_pair(o.step[i], o.value[i]);
  }
  return last;
}

std::string mixture_text(const Eigen::VectorXd& w) {
  std::string s;
  for (Eigen::Index j = 0; j < w.size(); ++j) {
    if (j) s += ' ';
    s += fixed(w[j], 3);
  }
  return s;
}

void print_status_json(const Archive& a, const std::vector<std::string>& domains,
                       const ArchiveLadder& ladder, const LastResults& last) {
  const auto& scales = ladder.names;
  nlohmann::json j;
  j["campaign"] = a.campaign;
  j["domains"] = domains;
  j["trials"] = nlohmann::json::array();
  for (size_t i = 0; i < a.trials.size(); ++i) {
    const auto& t = a.trials[i];
    nlohmann::json r = {
        {"id", t.id},
        {"mixture", std::vector<double>(t.point.w.data(), t.point.w.data() + t.point.w.size())},
        {"scale", scales.at(static_cast<size_t>(t.point.scale))},
        {"steps", t.point.steps},
        {"state", state_name(t.state)},
        {"attempt", t.attempt},
        {"job_id", t.job_id},
        {"cost", t.cost},
        {"reason", t.reason}};
    if (last[i]) r["result"] = {{"step", last[i]->first}, {"value", last[i]->second}};
    j["trials"].push_back(r);
  }
  const auto& rec = a.recommendation;
  j["recommendation"] = estimate_json(rec);
  if (rec.rec_valid) {
    j["recommendation"]["mixture"] =
        std::vector<double>(rec.rec_w.data(), rec.rec_w.data() + rec.rec_w.size());
    j["recommendation"]["basis"] =
        estimate_basis_json(estimate_basis(a, ladder, a.space.max_steps, rec.rec_w));
  }
  if (const auto seed = seed_noise_json(a); !seed.is_null()) j["seed_noise"] = seed;
  std::cout << j.dump(2) << "\n";
}

void print_status_table(const Archive& a, const fs::path& path,
                        const std::vector<std::string>& domains, const ArchiveLadder& ladder,
                        const LastResults& last) {
  const auto& scales = ladder.names;
  std::cout << "campaign " << a.campaign << " (" << path.string() << "), strategy " << a.strategy
            << "\nmixture columns: ";
  for (size_t i = 0; i < domains.size(); ++i) std::cout << (i ? ", " : "") << domains[i];
  std::cout << "\n\n";
  std::cout << std::left << std::setw(7) << "id"
            << std::setw(6 * static_cast<int>(domains.size()) + 2) << "mixture" << std::setw(7)
            << "scale" << std::setw(8) << "steps" << std::setw(11) << "state" << std::setw(34)
            << "job id" << std::setw(8) << "cost"
            << "result\n";
  for (size_t i = 0; i < a.trials.size(); ++i) {
    const auto& t = a.trials[i];
    std::string result;
    if (last[i]) result = fixed(last[i]->second, 4) + " @" + std::to_string(last[i]->first);
    if (!t.reason.empty()) {
      if (!result.empty()) result += "  ";
      result += t.reason;
    }
    std::cout << std::left << std::setw(7) << t.id
              << std::setw(6 * static_cast<int>(domains.size()) + 2) << mixture_text(t.point.w)
              << std::setw(7) << scales.at(static_cast<size_t>(t.point.scale)) << std::setw(8)
              << t.point.steps << std::setw(11) << state_label(t) << std::setw(34)
              << (t.job_id.empty() ? "-" : t.job_id) << std::setw(8) << fixed(t.cost, 4) << result
              << "\n";
  }
  std::cout << "\n"
            << a.trials.size() << " trials, " << a.observations.size()
            << " observations, cost spent " << fixed(spent_cost(a.trials), 3) << "\n";
  const auto& rec = a.recommendation;
  if (rec.rec_valid) {
    std::cout << "recommendation (round " << rec.iteration << "): ";
    for (size_t i = 0; i < domains.size() && static_cast<Eigen::Index>(i) < rec.rec_w.size(); ++i)
      std::cout << (i ? ", " : "") << domains[i] << " "
                << fixed(rec.rec_w[static_cast<Eigen::Index>(i)], 4);
    const std::string& target = scales.at(static_cast<size_t>(ladder.target));
    std::cout << "\n  " << estimate_text(rec, target) << "\n";
    const std::string basis =
        basis_text(rec, estimate_basis(a, ladder, a.space.max_steps, rec.rec_w), target);
    if (!basis.empty()) std::cout << "  " << basis << "\n";
  } else {
    std::cout << "no recommendation yet\n";
  }
  if (const auto seed = seed_noise_text(a); !seed.empty()) std::cout << seed << "\n";
}

}  // namespace

int status(const Args& args) {
  CommandLine cl(
      "status",
      "Show a campaign's trials (id, mixture, scale, steps, state, job id, cost,\n"
      "result) and its current recommendation. Takes the campaign file or folder.",
      args, [](po::options_description& d) { d.add_options()("json", "print JSON"); },
      Operands{.usage = "CONFIG|FOLDER"});
  if (cl.help()) return 0;
  const auto path = archive_of(cl.config_file().string(), cl.overrides());
  if (!fs::exists(path))
    throw ConfigError(path.string() + " does not exist: the campaign has not run yet");
  const Archive a = load_archive(path);
  const auto domains = archive_domains(path);
  const ArchiveLadder ladder = archive_ladder(path);
  const LastResults last = last_results(a);
  if (cl.vm().count("json"))
    print_status_json(a, domains, ladder, last);
  else
    print_status_table(a, path, domains, ladder, last);
  return 0;
}

int cancel(const Args& args) {
  CommandLine cl("cancel",
                 "Cancel a campaign's running and queued jobs and record it. When a 'mixbo run'\n"
                 "drives the campaign, it is asked to do so and stops. A job found finished is\n"
                 "not cancelled: its result is recorded.",
                 args);
  if (cl.help()) return 0;
  const auto config = load_checked_config(cl.config_file(), cl.overrides());
  // Before the lock, which would create the folder of a campaign that never ran.
  if (const auto archive = config.workdir / "campaign.h5"; !fs::exists(archive))
    throw ConfigError(archive.string() +
                      " does not exist: the campaign has not run, so it has no jobs to cancel");
  if (DriverLock::held(config.workdir)) {
    write_text_atomic(config.workdir / "cancel.request", "cancel\n");
    std::cout << "asked the running 'mixbo run' of " << config.name << " to cancel its jobs\n";
    return 0;
  }
  DriverLock lock(config.workdir);
  Campaign campaign(config);
  auto executor = make_configured_executor(config);
  const auto r = cancel_all(campaign, *executor);
  std::cout << "cancelled " << r.cancelled << " trial(s) of " << config.name << "\n";
  if (r.recorded > 0)
    std::cout << "recorded the results of " << r.recorded
              << " job(s) that had finished before the cancel\n";
  return 0;
}

namespace {

// The recorded trial that `curve` at `pt` repeats bit for bit (same point, the same checkpoints
// with the same metric values), or -1. Such a run is a copy of a recorded one (a trial folder
// copied elsewhere, one folder imported under two paths): importing it would count one run
// twice, and two identical runs are what `strategy.run_noise = auto` reads as an objective
// without seed noise.
std::int64_t recorded_copy(const Archive& a, const Point& pt, const ResultCurve& curve) {
  const auto& o = a.observations;
  for (size_t t = 0; t < a.trials.size(); ++t) {
    const Point& q = a.trials[t].point;
    if (q.scale != pt.scale || q.steps != pt.steps || q.w != pt.w) continue;
    size_t i = 0;
    bool same = true;
    for (size_t r = 0; r < o.size() && same; ++r) {
      if (o.trial[r] != static_cast<std::int64_t>(t)) continue;
      same = i < curve.steps.size() && o.step[r] == curve.steps[i];
      for (size_t j = 0; j < o.metric_names.size() && same; ++j)
        same = o.metric[j][r] == curve.metrics.at(o.metric_names[j])[i];
      ++i;
    }
    if (same && i == curve.steps.size()) return static_cast<std::int64_t>(t);
  }
  return -1;
}

}  // namespace

int import_runs(const Args& args) {
  CommandLine cl("import",
                 "Add runs made outside mixbo to a campaign as observations. Each DIR holds a\n"
                 "params.ini and a result.h5 in mixbo's formats (see README). Imported runs cost\n"
                 "nothing from the budget.",
                 args, {}, Operands{.usage = "CONFIG DIR...", .more = true});
  if (cl.help()) return 0;
  const auto config = load_checked_config(cl.config_file(), cl.overrides());
  if (cl.positionals().empty()) throw ConfigError("give one or more run folders");
  DriverLock lock(config.workdir);
  Campaign campaign(config);
  const auto& sp = config.space;
  int added = 0, failed = 0;
  for (const auto& d : cl.positionals()) {
    const fs::path dir = fs::absolute(d).lexically_normal();
    try {
      for (const auto& t : campaign.archive().trials)
        if (t.source == dir.string()) throw Error("already imported as " + t.id);
      std::error_code ec;
      if (fs::weakly_canonical(dir, ec).parent_path() ==
          fs::weakly_canonical(config.workdir / "trials", ec))
        throw Error("is a trial folder of this campaign: its run is recorded already");
      const TrialParams p = read_params(dir / "params.ini");
      if (!p.instance.empty() && p.instance == campaign.archive().instance)
        throw Error("params.ini says it is trial " + p.trial_id + " of this campaign (instance " +
                    p.instance + "): its run is recorded already");
      Point pt;
      pt.w = Eigen::VectorXd::Zero(sp.k());
      if (p.domains.size() != static_cast<size_t>(sp.k()))
        throw Error("params.ini has " + std::to_string(p.domains.size()) +
                    " domains, the campaign " + std::to_string(sp.k()));
      for (size_t i = 0; i < p.domains.size(); ++i) {
        const auto& names = sp.simplex().names();
        const auto it = std::find(names.begin(), names.end(), p.domains[i]);
        if (it == names.end()) throw Error("domain '" + p.domains[i] + "' is not in the campaign");
        pt.w[it - names.begin()] = p.mixture[i];
      }
      pt.scale = sp.scales().index_of(p.scale);
      if (pt.scale < 0) throw Error("scale '" + p.scale + "' is not in the campaign's ladder");
      // The name alone could relabel a run of another size (a "20M" model of 25M parameters).
      if (const double params = sp.scales()[pt.scale].params;
          std::abs(p.scale_params - params) > 1e-9 * params)
        throw Error("params.ini says scale '" + p.scale + "' has " + exact_number(p.scale_params) +
                    " parameters, the campaign's ladder " + exact_number(params));
      pt.steps = p.steps;
      if (pt.steps <= 0 || pt.steps > sp.steps().max_steps())
        throw Error("steps " + std::to_string(p.steps) + " outside 1.." +
                    std::to_string(sp.steps().max_steps()));
      const ResultCurve curve = read_result_isolated(
          dir / "result.h5", {p.trial_id, objective_metrics(config.objective), pt.steps});
      if (curve.steps.empty()) throw Error("result.h5 has no checkpoints");
      if (const auto copy = recorded_copy(campaign.archive(), pt, curve); copy >= 0)
        throw Error("its run is " + campaign.archive().trials[static_cast<size_t>(copy)].id +
                    "'s bit for bit (same mixture, scale, steps and results): a copy of a "
                    "recorded run");
      const auto row = campaign.add_trial(pt, -1, dir.string());
      campaign.archive().record(row, TrialState::Running, "", "imported");
      campaign.add_observations(row, curve);
      campaign.archive().record(row, TrialState::Done, "", "imported from " + dir.string());
      std::cout << "imported " << dir.string() << " as " << campaign.archive().trials.back().id
                << " (" << curve.steps.size() << " observations)\n";
      ++added;
    } catch (const Error& e) {
      std::cerr << "mixbo import: " << dir.string() << ": " << e.what() << "\n";
      ++failed;
    }
  }
  if (added) campaign.save();
  std::cout << added << " run(s) imported, " << failed << " refused\n";
  return failed ? 1 : 0;
}

}  // namespace mixbo::cli
