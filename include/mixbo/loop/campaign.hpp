#pragma once
// A campaign on disk: its config, its archive (runs/<name>/campaign.h5, kept in memory and saved
// crash-safely on every change) and its trial folders (runs/<name>/trials/tNNNN/: params.ini,
// job.sbatch, stdout, stderr, result.h5). Shared by `mixbo run`, `status`, `cancel`, `import`.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/exec/executor.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/strategy/history.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

// Holds an exclusive flock on <workdir>/driver.lock: one process drives a campaign at a time.
class DriverLock {
 public:
  // Throws Error naming the folder when another process holds it.
  explicit DriverLock(const std::filesystem::path& workdir);
  ~DriverLock();
  DriverLock(const DriverLock&) = delete;
  DriverLock& operator=(const DriverLock&) = delete;
  // True when some process drives the campaign now.
  static bool held(const std::filesystem::path& workdir);

 private:
  int fd_ = -1;
};

// Relative tolerance of the budget cap (rounding of per-step costs summed over many runs).
inline constexpr double kBudgetSlack = 1e-9;

class Campaign {
 public:
  // Loads <workdir>/campaign.h5 when it exists (refusing one whose domains, scales or objective
  // metrics differ from the config), else starts an empty archive (not yet saved).
  explicit Campaign(CampaignConfig config);

  const CampaignConfig& config() const { return config_; }
  Archive& archive() { return archive_; }
  const Archive& archive() const { return archive_; }
  std::filesystem::path archive_path() const { return config_.workdir / "campaign.h5"; }
  bool exists_on_disk() const;
  void save() const;

  // The strategy's view: observations (lower is better), every run, rounds, spent.
  History history() const;
  double spent() const;  // spent_cost of its trials
  int count(TrialState s) const;
  int active() const;

  std::int64_t add_trial(const Point& p, int iteration, const std::string& source = "");
  // Adds a round's proposals as trials, in order, each only if the spend (pending runs
  // included) stays within the budget: no campaign ever spends more than its budget. Throws
  // Error naming `strategy` for a point outside the space. Returns how many were added.
  int add_proposals(const std::vector<Point>& proposals, int iteration,
                    const std::string& strategy);
  std::filesystem::path trial_dir(std::int64_t trial) const;
  // "mixbo-<campaign>-<instance>-<trial>": the instance id keeps jobs of another campaign of the
  // same name (another folder, or this folder reused after campaign.h5 was deleted) apart.
  std::string job_name(std::int64_t trial) const;
  // True when the trial folder's params.ini was written by this campaign instance for the
  // trial's current attempt: only then may a job found by name be adopted for it.
  bool prepared_attempt(std::int64_t trial) const;
  TrialParams params(std::int64_t trial) const;
  // Writes params.ini and job.sbatch of the trial's current attempt; returns its job request.
  JobRequest write_trial(std::int64_t trial) const;

  // A finished job (Completed or Failed): reads result.h5 and either records the observations
  // (trial done; a failed job's valid partial curve counts, noted in the reason) or fails the
  // trial with the reason, queueing another attempt while attempts < executor.max_attempts.
  // Returns true when the trial is done. `isolated`: read result.h5 through
  // read_result_isolated (a job wrote it), else in this process (mixbo's simulator did).
  bool finish(std::int64_t trial, const JobStatus& status, bool isolated);
  // Adds the observations of a validated result curve (for finish() and import).
  void add_observations(std::int64_t trial, const ResultCurve& curve);

  // A strategy's recommendation as the archive and every output state it: the objective as
  // configured (un-negated) and what its value refers to (scale, steps, interval or not).
  IterationRecord labelled(const Recommendation& r, int iteration) const;
  // Makes it the archive's latest recommendation.
  void record_recommendation(const Recommendation& r, int iteration);

 private:
  CampaignConfig config_;
  Archive archive_;
  std::vector<std::string> metrics_;
};

// What a campaign's trials count against its budget: pending (reserved) and finished trials in
// full, nothing for a trial that failed on every attempt or for an imported run.
double spent_cost(const std::vector<TrialRecord>& trials);

// Trial folders and executor state in `workdir` without a campaign.h5: leftovers of another
// campaign instance (its archive deleted). `mixbo run` refuses such a folder, whose jobs and
// results would otherwise be taken for the new campaign's, unless told to clean it.
std::vector<std::filesystem::path> stale_leftovers(const std::filesystem::path& workdir);
// Deletes them; throws ConfigError while a local job of them still runs.
void clean_stale_leftovers(const std::filesystem::path& workdir);

// "t0007" for trial row 6.
std::string trial_id_of(std::int64_t row);
// The objective as the user configured it (un-negated) from a lower-is-better value.
double displayed_objective(const ObjectiveOptions& o, double lower_is_better);

}  // namespace mixbo
