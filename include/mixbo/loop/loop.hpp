#pragma once
// The campaign loop (`mixbo run`): reconcile running trials with the executor -> ingest finished
// results -> while budget and free slots remain, propose -> write trial folders -> submit ->
// record; stops when the budget is spent (or the strategy has nothing to propose) and nothing
// runs, then records and returns the recommendation. Every step is recorded in campaign.h5
// before the next one starts, in this order: a trial is saved as `proposed` before it is
// submitted and as `submitted(job id)` right after, so a driver killed at any instant and run
// again adopts a job it had submitted (Executor::find_by_name) instead of submitting it twice.
#include <iosfwd>

#include "mixbo/loop/campaign.hpp"

namespace mixbo {

struct LoopOptions {
  bool quiet = false;           // no progress lines, only the recommendation
  bool json = false;            // progress and result as JSON lines (one object per line)
  bool dry_run = false;         // write the next round's trial folders and scripts, submit nothing,
                                // record nothing
  int max_passes = -1;          // stop after this many passes (tests); -1: until done
  std::ostream* out = nullptr;  // default std::cout
};

struct LoopResult {
  bool finished = false;   // budget spent / nothing to propose, nothing running
  bool cancelled = false;  // stopped by `mixbo cancel`
  Recommendation recommendation;
  double spent = 0;
  int trials = 0, done = 0, failed = 0, cancelled_trials = 0;
  // Why a finished campaign left budget unspent: the cost of the cheapest next run its strategy
  // proposed and the budget refused (0: it proposed no further run). -1: the budget is spent
  // (what is left buys no run of the space), or the loop did not finish.
  double cheapest_refused = -1;
  std::vector<std::filesystem::path> written;  // dry run: the job scripts written
};

LoopResult run_loop(Campaign& campaign, Executor* executor, Strategy& strategy,
                    const LoopOptions& options);

// Cancels every active job of the campaign and records it (used by `mixbo cancel`, and by a
// running loop that finds <workdir>/cancel.request). A job that had already finished (its driver
// was not running to read it) is not cancelled but recorded as the loop would record it: its run
// is paid for, and cancelling it threw its result away.
struct CancelResult {
  int cancelled = 0;  // trials recorded as cancelled
  int recorded = 0;   // finished jobs whose results were recorded instead
};
CancelResult cancel_all(Campaign& campaign, Executor& executor);

// The human report of a recommendation (Campaign::labelled): mixture per domain, and the value
// with what it refers to (a prediction with its interval, a measured target run, or a cheaper
// scale's value when the strategy has no estimate at the target yet), and, for an interval at
// the target, what it rests on (basis_text, estimate_basis.hpp; "" to leave it out).
std::string describe_recommendation(const CampaignConfig& c, const IterationRecord& r,
                                    const std::string& basis = "");

}  // namespace mixbo
