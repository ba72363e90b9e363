#include "mixbo/loop/loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "mixbo/core/error.hpp"
#include "mixbo/loop/estimate_basis.hpp"
#include "mixbo/loop/estimate_text.hpp"
#include "mixbo/loop/round.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

const Scale& target(const CampaignConfig& c) { return c.space.scales().target_scale(); }

// A failure reason without what differs from trial to trial (paths, trial ids), so that the
// same cause counts once: "result: /w/trials/t0003/result.h5: metric 'x' is missing" ->
// "result: result.h5: metric 'x' is missing".
std::string failure_cause(std::string reason) {
  static const std::string retry = "retry after: ";  // the reason of a trial queued again
  if (reason.rfind(retry, 0) == 0) reason.erase(0, retry.size());
  std::istringstream in(reason);
  std::string word, out;
  while (in >> word) {
    if (const auto slash = word.rfind('/'); slash != std::string::npos) word.erase(0, slash + 1);
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

nlohmann::json rec_json(const CampaignConfig& c, const IterationRecord& r) {
  nlohmann::json j = estimate_json(r);
  if (!r.rec_valid) return j;
  nlohmann::json w;
  for (int i = 0; i < c.space.k() && i < r.rec_w.size(); ++i)
    w[c.space.simplex().names()[static_cast<size_t>(i)]] = r.rec_w[i];
  j["mixture"] = w;
  return j;
}

class Loop {
 public:
  Loop(Campaign& c, Executor* e, Strategy& s, const LoopOptions& o)
      : c_(c), cfg_(c.config()), ex_(e), st_(s), o_(o), out_(o.out ? *o.out : std::cout) {}

  LoopResult run();

 private:
  bool reconcile();
  void check_failure_streak();
  bool submit_proposed();
  bool propose_round();
  void progress(bool force);
  void report(int iteration);  // the final line (or JSON event) of a run
  bool cancel_requested() const { return fs::exists(cfg_.workdir / "cancel.request"); }
  void save() {
    if (!o_.dry_run) c_.save();
  }
  std::vector<std::int64_t> rows_in(std::initializer_list<TrialState> states) const {
    std::vector<std::int64_t> rows;
    const auto& t = c_.archive().trials;
    for (size_t i = 0; i < t.size(); ++i)
      if (std::find(states.begin(), states.end(), t[i].state) != states.end())
        rows.push_back(static_cast<std::int64_t>(i));
    return rows;
  }

  Campaign& c_;
  const CampaignConfig& cfg_;
  Executor* ex_;
  Strategy& st_;
  LoopOptions o_;
  std::ostream& out_;
  bool exhausted_ = false;
  double cheapest_refused_ = 0;        // of the round that found the strategy exhausted
  std::vector<std::string> failures_;  // reasons of the jobs that failed since the last success
  std::string last_line_;
  LoopResult res_;
};

// Polls submitted/running jobs; ingests the finished ones.
bool Loop::reconcile() {
  const auto rows = rows_in({TrialState::Submitted, TrialState::Running});
  if (rows.empty()) return false;
  std::vector<std::string> ids;
  for (auto r : rows) ids.push_back(c_.archive().trials[static_cast<size_t>(r)].job_id);
  const auto status = ex_->poll(ids);
  bool changed = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto row = rows[i];
    auto it = status.find(ids[i]);
    if (it == status.end()) continue;
    const JobStatus& s = it->second;
    const auto state = c_.archive().trials[static_cast<size_t>(row)].state;
    if (s.phase == JobPhase::Running && state == TrialState::Submitted) {
      c_.archive().record(row, TrialState::Running);
      changed = true;
    } else if (s.phase == JobPhase::Completed || s.phase == JobPhase::Failed) {
      if (c_.finish(row, s, !ex_->writes_results_itself())) {
        failures_.clear();
      } else {
        failures_.push_back(c_.archive().trials[static_cast<size_t>(row)].reason);
      }
      changed = true;
    }
  }
  if (changed) exhausted_ = false;  // new results: the strategy may have something to propose
  return changed;
}

// Stops a campaign whose jobs keep failing (a wrong metric name, a broken script): every
// further submission would fail the same way. The archive is saved first; running jobs stay
// recorded, and `mixbo run` again resumes once the cause is fixed.
void Loop::check_failure_streak() {
  const int limit = cfg_.executor.stop_after_failures;
  if (static_cast<int>(failures_.size()) < limit) return;
  std::map<std::string, int> count;
  for (const auto& r : failures_) ++count[failure_cause(r)];
  const auto top = std::max_element(count.begin(), count.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; });
  save();
  throw Error(std::to_string(failures_.size()) +
              " jobs in a row failed (executor.stop_after_failures = " + std::to_string(limit) +
              "); most frequent reason (" + std::to_string(top->second) + " of them): " +
              top->first + "\nfix the cause, then run `mixbo run` again to resume the campaign");
}

// Submits every `proposed` trial (new ones and retries), adopting a job that a crashed driver
// of this campaign instance had already submitted for the same attempt.
bool Loop::submit_proposed() {
  const auto rows = rows_in({TrialState::Proposed});
  if (rows.empty()) return false;
  std::vector<JobRequest> batch;
  std::vector<std::int64_t> batch_rows;
  bool changed = false;
  for (auto row : rows) {
    if (o_.dry_run) {
      res_.written.push_back(c_.write_trial(row).script);
      continue;
    }
    auto& t = c_.archive().trials[static_cast<size_t>(row)];
    const auto earlier = c_.archive().job_ids(row);
    // Adopt only a job of this instance's current attempt (its params.ini says so).
    if (auto found = c_.prepared_attempt(row) ? ex_->find_by_name(c_.job_name(row)) : std::nullopt;
        found && std::find(earlier.begin(), earlier.end(), *found) == earlier.end()) {
      c_.archive().record(row, TrialState::Submitted, *found, "adopted after a driver restart");
      changed = true;
      continue;
    }
    if (t.attempt > 1) {  // keep what the failed attempt left, out of the new one's way
      const auto dir = c_.trial_dir(row);
      for (const char* f : {"result.h5", "stdout", "stderr"})
        if (fs::exists(dir / f))
          fs::rename(dir / f, dir / (std::string(f) + ".attempt" + std::to_string(t.attempt - 1)));
    }
    batch.push_back(c_.write_trial(row));
    batch_rows.push_back(row);
  }
  if (batch.empty()) return changed;
  std::vector<std::string> ids;
  if (batch.size() > 1 && ex_->submits_as_one()) {
    ids = ex_->submit_many(batch);
  } else {
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        ids.push_back(ex_->submit(batch[i]));
      } catch (const Error& e) {
        // Record what went out before giving up: those jobs must not be submitted again.
        for (size_t j = 0; j < ids.size(); ++j)
          c_.archive().record(batch_rows[j], TrialState::Submitted, ids[j]);
        save();
        throw;
      }
      // Record each id at once, so a crash in the middle of a batch loses none.
      c_.archive().record(batch_rows[i], TrialState::Submitted, ids.back());
      save();
    }
    return true;
  }
  for (size_t j = 0; j < ids.size(); ++j)
    c_.archive().record(batch_rows[j], TrialState::Submitted, ids[j]);
  return true;
}

bool Loop::propose_round() {
  if (exhausted_ || cancel_requested()) return false;
  const int slots = round_slots(c_);
  if (slots <= 0) return false;
  if (const RoundResult r = run_round(c_, st_, slots); r.added == 0) {
    exhausted_ = true;  // until new results change the history
    cheapest_refused_ = r.cheapest_refused;
    return false;
  }
  save();  // proposed trials are on disk before any of them is submitted
  return true;
}

void Loop::progress(bool force) {
  if (o_.quiet) return;
  const auto& a = c_.archive();
  const int round = static_cast<int>(a.iterations.size());
  const int queued = c_.count(TrialState::Proposed) + c_.count(TrialState::Submitted);
  const int running = c_.count(TrialState::Running);
  const int done = c_.count(TrialState::Done);
  const int failed = c_.count(TrialState::Failed);
  // Cancelled trials are neither: counted apart (they were counted as failed until session 58).
  const int cancelled = c_.count(TrialState::Cancelled);
  std::ostringstream line;
  if (o_.json) {
    nlohmann::json j;
    j["event"] = "progress";
    j["campaign"] = cfg_.name;
    j["iteration"] = round;
    j["trials"] = {{"queued", queued}, {"running", running},     {"done", done},
                   {"failed", failed}, {"cancelled", cancelled}, {"total", a.trials.size()}};
    j["observations"] = a.observations.size();
    j["spent"] = c_.spent();
    j["budget"] = cfg_.budget;
    j["best"] = rec_json(cfg_, a.recommendation);
    line << j.dump();
  } else {
    line << "mixbo " << cfg_.name << ": round " << round << " | queued " << queued << ", running "
         << running << ", done " << done << ", failed " << failed
         << (cancelled ? ", cancelled " + std::to_string(cancelled) : "") << " | cost "
         << std::fixed << std::setprecision(3) << c_.spent() << " / " << cfg_.budget;
    if (a.recommendation.rec_valid)
      line << " | best " << estimate_text(a.recommendation, target(cfg_).name);
  }
  if (force || line.str() != last_line_) {
    out_ << line.str() << std::endl;
    last_line_ = line.str();
  }
}

LoopResult Loop::run() {
  if (!o_.dry_run && !ex_) throw Error("run_loop: no executor");
  if (!o_.dry_run && !c_.exists_on_disk()) c_.save();
  // A resumed campaign: the strategy continues from the state its last recorded round left.
  restore_strategy_state(c_, st_);
  int passes = 0;
  for (;;) {
    if (o_.max_passes >= 0 && passes >= o_.max_passes) break;
    ++passes;
    if (o_.dry_run) {
      propose_round();
      submit_proposed();
      break;
    }
    if (cancel_requested()) {
      cancel_all(c_, *ex_);
      fs::remove(cfg_.workdir / "cancel.request");
      res_.cancelled = true;
      progress(true);
      break;
    }
    bool changed = reconcile();
    // Ingested results and failures are on disk before a retry moves the failed attempt's
    // files aside: a crash in between must not make the restart re-read a renamed result.
    if (changed) save();
    check_failure_streak();
    if (submit_proposed()) {  // retries and adopted jobs
      changed = true;
      save();
    }
    while (propose_round()) {
      submit_proposed();
      save();
      changed = true;
    }
    progress(false);
    if (c_.active() == 0 && (exhausted_ || round_slots(c_) == 0)) {
      res_.finished = true;
      break;
    }
    if (!changed)
      std::this_thread::sleep_for(std::chrono::duration<double>(cfg_.executor.poll_seconds));
  }
  History h = c_.history();
  res_.recommendation = st_.recommend(h);
  if (!o_.dry_run) {
    c_.record_recommendation(res_.recommendation, h.iteration);
    record_strategy_state(c_, st_);
    c_.save();
    progress(false);  // the best so far changed with the last results ingested
  }
  res_.spent = c_.spent();
  res_.trials = static_cast<int>(c_.archive().trials.size());
  res_.done = c_.count(TrialState::Done);
  res_.failed = c_.count(TrialState::Failed);
  res_.cancelled_trials = c_.count(TrialState::Cancelled);
  // Only budget that could have bought a run needs a reason: what is left below the space's
  // cheapest run (the shortest step budget at the cheapest scale) is spent in effect.
  double cheapest_run = std::numeric_limits<double>::infinity();
  for (int s = 0; s < cfg_.space.scales().size(); ++s)
    for (const auto steps : cfg_.space.steps().budgets())
      cheapest_run = std::min(cheapest_run, cfg_.space.cost(s, steps));
  if (res_.finished && exhausted_ && cfg_.budget - res_.spent >= cheapest_run)
    res_.cheapest_refused = cheapest_refused_;
  report(h.iteration);
  return res_;
}

void Loop::report(int iteration) {
  const IterationRecord rec = c_.labelled(res_.recommendation, iteration);
  ArchiveLadder ladder;
  for (int s = 0; s < cfg_.space.scales().size(); ++s)
    ladder.names.push_back(cfg_.space.scales()[s].name);
  ladder.target = cfg_.space.scales().target();
  const EstimateBasis basis =
      estimate_basis(c_.archive(), ladder, cfg_.space.steps().max_steps(), rec.rec_w);
  if (o_.json) {
    nlohmann::json j;
    j["event"] = o_.dry_run       ? "dry-run"
                 : res_.cancelled ? "cancelled"
                 : res_.finished  ? "finished"
                                  : "stopped";
    j["campaign"] = cfg_.name;
    j["archive"] = c_.archive_path().string();
    j["trials"] = {{"total", res_.trials},
                   {"done", res_.done},
                   {"failed", res_.failed},
                   {"cancelled", res_.cancelled_trials}};
    j["spent"] = res_.spent;
    j["budget"] = cfg_.budget;
    j["recommendation"] = rec_json(cfg_, rec);
    if (rec.rec_valid) j["recommendation"]["basis"] = estimate_basis_json(basis);
    if (const auto seed = seed_noise_json(c_.archive()); !seed.is_null()) j["seed_noise"] = seed;
    if (res_.cheapest_refused >= 0)
      j["unspent"] = {
          {"left", cfg_.budget - res_.spent},
          {"cheapest_next_run", res_.cheapest_refused > 0 ? nlohmann::json(res_.cheapest_refused)
                                                          : nlohmann::json(nullptr)}};
    if (o_.dry_run) {
      j["scripts"] = nlohmann::json::array();
      for (const auto& p : res_.written) j["scripts"].push_back(p.string());
    }
    out_ << j.dump() << std::endl;
  } else if (o_.dry_run) {
    out_ << "dry run: wrote " << res_.written.size() << " job script(s), submitted nothing:\n";
    for (const auto& p : res_.written) out_ << "  " << p.string() << "\n";
  } else {
    out_ << (res_.cancelled  ? "campaign cancelled"
             : res_.finished ? "campaign finished"
                             : "campaign stopped")
         << ": " << res_.trials << " trials (" << res_.done << " done, " << res_.failed << " failed"
         << (res_.cancelled_trials ? ", " + std::to_string(res_.cancelled_trials) + " cancelled"
                                   : "")
         << "), cost " << std::fixed << std::setprecision(3) << res_.spent << " of " << cfg_.budget
         << "; archive " << c_.archive_path().string() << "\n";
    // Budget left over needs its reason, or it reads as a campaign that stopped early.
    const auto cost = [](double v) {
      std::ostringstream o;
      o << std::setprecision(4) << v;  // a short run can cost under 0.001
      return o.str();
    };
    if (res_.cheapest_refused >= 0)
      out_ << "budget left unspent: " << cost(cfg_.budget - res_.spent)
           << (res_.cheapest_refused > 0
                   ? ", less than the cheapest next run the strategy proposed (" +
                         cost(res_.cheapest_refused) + ")"
                   : std::string(": the strategy proposed no further run"))
           << "\n";
    out_ << describe_recommendation(cfg_, rec, basis_text(rec, basis, target(cfg_).name));
    if (const auto seed = seed_noise_text(c_.archive()); !seed.empty()) out_ << seed << "\n";
  }
}

}  // namespace

LoopResult run_loop(Campaign& campaign, Executor* executor, Strategy& strategy,
                    const LoopOptions& options) {
  return Loop(campaign, executor, strategy, options).run();
}

CancelResult cancel_all(Campaign& c, Executor& ex) {
  auto& trials = c.archive().trials;
  std::vector<std::int64_t> rows;
  std::vector<std::string> ids;  // "" where no job went out
  for (size_t i = 0; i < trials.size(); ++i) {
    auto& t = trials[i];
    if (!is_active(t.state)) continue;
    const auto row = static_cast<std::int64_t>(i);
    std::string id = t.job_id;
    if (t.state == TrialState::Proposed) {  // it may have gone out just before a crash
      const auto earlier = c.archive().job_ids(row);
      if (auto found = c.prepared_attempt(row) ? ex.find_by_name(c.job_name(row)) : std::nullopt;
          found && std::find(earlier.begin(), earlier.end(), *found) == earlier.end()) {
        id = *found;
        c.archive().record(row, TrialState::Submitted, id, "adopted by mixbo cancel");
      } else {
        id.clear();
      }
    }
    if (!id.empty()) ex.cancel(id);
    rows.push_back(row);
    ids.push_back(id);
  }
  // Polled after the cancels, so that the poll starts nothing (the local executor starts queued
  // jobs when polled): a job the cancel found finished reports Completed, one it stopped does not.
  std::vector<std::string> sent;
  for (const auto& id : ids)
    if (!id.empty()) sent.push_back(id);
  const auto status = sent.empty() ? std::map<std::string, JobStatus>{} : ex.poll(sent);
  CancelResult out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto it = ids[i].empty() ? status.end() : status.find(ids[i]);
    if (it != status.end() && it->second.phase == JobPhase::Completed &&
        c.finish(rows[i], it->second, !ex.writes_results_itself())) {
      ++out.recorded;
      continue;
    }
    // Not finished, or its result refused (then finish may have queued another attempt).
    if (!is_active(trials[static_cast<size_t>(rows[i])].state)) continue;
    c.archive().record(rows[i], TrialState::Cancelled, ids[i], "cancelled by mixbo cancel");
    ++out.cancelled;
  }
  c.save();
  return out;
}

std::string describe_recommendation(const CampaignConfig& c, const IterationRecord& r,
                                    const std::string& basis) {
  std::ostringstream o;
  if (!r.rec_valid) {
    o << "no recommendation yet (no observation the strategy can rank)\n";
    return o.str();
  }
  o << "recommended mixture for " << target(c).name << " at " << c.space.steps().max_steps()
    << " steps:\n";
  for (int i = 0; i < c.space.k() && i < r.rec_w.size(); ++i)
    o << "  " << std::left << std::setw(20) << c.space.simplex().names()[static_cast<size_t>(i)]
      << std::right << std::fixed << std::setprecision(4) << r.rec_w[i] << "\n";
  o << std::setprecision(4);
  if (!r.rec_at_target) {
    o << c.objective.text << ": no estimate at " << target(c).name << " yet; " << r.rec_mean
      << " is the strategy's value at " << r.rec_scale << " and " << r.rec_steps << " steps\n";
    return o.str();
  }
  o << (r.rec_interval ? "predicted " : "measured ") << c.objective.text << ": " << r.rec_mean;
  if (r.rec_interval) o << " (95% interval " << r.rec_lo << " .. " << r.rec_hi << ")";
  o << "\n";
  if (!basis.empty()) o << "  " << basis << "\n";
  return o.str();
}

}  // namespace mixbo
