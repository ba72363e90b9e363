#pragma once
// The campaign archive campaign.h5: everything a campaign has recorded, kept in memory by the
// loop and written whole on every change as a new file that is fsynced and then renamed over the
// old one (durable_file.hpp). A kill -9 at any instant leaves either the previous or the new
// archive, both complete, so nothing recorded is lost. Layout (readable with h5dump / h5py):
//   /               attrs schema, campaign, instance, strategy, created, updated; dataset config
//                   (text)
//   /space          domains, lower, upper, scale_names, scale_params, scale_step_costs,
//                   target_scale, step_interval, max_steps, step_budgets; attrs objective,
//                   direction
//   /trials         one column per field, one row per trial: id, mixture [n x k], scale, steps,
//                   cost, iteration, attempt, state (int, names in attr state_names), job_id,
//                   reason, source (import folder, "" for proposed trials)
//   /pending        trial: row numbers of trials proposed/submitted/running (apart from results)
//   /events         state history: trial, time, state, attempt, job_id, reason
//   /observations   trial, step, value (the objective as configured), metric/<name>
//   /iterations     iteration, time, propose_seconds, n_proposed, rec_valid, rec_mean, rec_lo,
//                   rec_hi, rec_w [n x k], diagnostics/<name> (NaN where not reported)
//   /recommendation the latest one: attrs valid, mean, lo, hi; dataset w
//   /strategy_state what the strategy keeps between rounds (Strategy::save_state): attr key,
//                   one dataset of doubles per value
// Every table is a handful of 1-D datasets, so 10^5 rows cost a few contiguous writes.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mixbo/space/point.hpp"
#include "mixbo/space/search_space.hpp"

namespace mixbo {

inline constexpr int kArchiveSchema = 1;

enum class TrialState {
  Proposed = 0,
  Submitted = 1,
  Running = 2,
  Done = 3,
  Failed = 4,
  Cancelled = 5
};
const char* state_name(TrialState s);
bool is_active(TrialState s);  // proposed, submitted or running

struct TrialRecord {
  std::string id;  // "t0007"
  Point point;     // point.steps = the run's step budget
  double cost = 0;
  int iteration = 0;  // proposal round (-1 for imported runs)
  int attempt = 1;
  TrialState state = TrialState::Proposed;
  std::string job_id;  // of the current attempt ("" before submission)
  std::string reason;  // why it failed / was cancelled, or a note ("partial: TIMEOUT")
  std::string source;  // folder an imported run came from
};

struct TrialEvent {
  std::int64_t trial = 0;  // row in trials
  double time = 0;         // seconds since the epoch
  TrialState state = TrialState::Proposed;
  int attempt = 1;
  std::string job_id, reason;
};

struct ObservationTable {
  std::vector<std::string> metric_names;
  std::vector<std::int64_t> trial, step;
  std::vector<double> value;
  std::vector<std::vector<double>> metric;  // [metric][row]
  size_t size() const { return trial.size(); }
};

struct IterationRecord {
  int iteration = 0;
  double time = 0;
  double propose_seconds = 0;
  int n_proposed = 0;
  bool rec_valid = false;
  double rec_mean = 0, rec_lo = 0, rec_hi = 0;
  Eigen::VectorXd rec_w;
  // What rec_mean is the objective of: a scale name and step count; at_target when that is the
  // target scale at full steps (else a baseline's value from a cheaper run or fit). Without an
  // interval rec_lo == rec_hi == rec_mean carry no uncertainty information.
  std::string rec_scale;
  std::int64_t rec_steps = 0;
  bool rec_at_target = false;
  bool rec_interval = false;
  std::map<std::string, double> diagnostics;
};

// /space as stored: the settings that give the recorded trials and observations their meaning.
struct StoredSpace {
  std::vector<std::string> domains, scale_names;
  std::vector<double> lower, upper, scale_params, scale_step_costs;
  std::string target_scale;
  std::int64_t step_interval = 0, max_steps = 0;
};

struct Archive {
  std::string campaign, strategy, config_text;
  StoredSpace space;  // filled by load_archive (save_archive writes the SearchSpace it is given)
  // Random id drawn when the archive is created: it names this campaign's jobs and is written
  // into every params.ini, so a job of another campaign (same name, or same folder reused) is
  // never adopted. "" in archives written before it existed.
  std::string instance;
  // The objective in normal form ("1*web_CE + 0.5*code_CE") and "minimize" | "maximize": what
  // the recorded values mean, checked on resume. "" in archives written before they existed.
  std::string objective, direction;
  double created = 0;
  std::vector<TrialRecord> trials;
  std::vector<TrialEvent> events;
  ObservationTable observations;
  std::vector<IterationRecord> iterations;
  IterationRecord recommendation;  // latest (its iteration field = the round it was made in)
  // What the strategy cannot rebuild from the history (Strategy::save_state), as of the last
  // round; /strategy_state: attr key, one dataset of doubles per value. Empty in archives
  // written before it existed: a resumed strategy then starts afresh.
  std::string strategy_state_key;
  std::map<std::string, std::vector<double>> strategy_state;

  // Appends an event and moves the trial to `state`.
  void record(std::int64_t trial, TrialState state, const std::string& job_id = "",
              const std::string& reason = "");
  // Job ids of every earlier attempt of a trial (from the events).
  std::vector<std::string> job_ids(std::int64_t trial) const;
};

// Writes `a` to `path` crash-safely (temporary file in the same folder, fsync, durable rename).
void save_archive(const std::filesystem::path& path, const Archive& a, const SearchSpace& space);
// Reads an archive; throws Error naming the file and dataset when it is not one.
Archive load_archive(const std::filesystem::path& path);
// Domain names stored in an archive (to refuse resuming with a different space).
std::vector<std::string> archive_domains(const std::filesystem::path& path);
// The scale ladder's names and the target's index, as stored in an archive's /space.
struct ArchiveLadder {
  std::vector<std::string> names;
  int target = 0;
};
ArchiveLadder archive_ladder(const std::filesystem::path& path);
// A fresh random instance id (8 hex digits).
std::string new_instance_id();

}  // namespace mixbo
