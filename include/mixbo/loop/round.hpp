#pragma once
// One proposal round, the same for `mixbo run` (loop.cpp) and `mixbo bench` (the in-memory
// driver), so that the benchmark measures exactly what a campaign does:
//   slots -> propose(history, pending, q) -> admit within the budget -> recommend -> record
//   (the recommendation, the diagnostics and the strategy's state).
#include "mixbo/loop/campaign.hpp"

namespace mixbo {

// How many runs a new round may propose now: 0 when the budget is spent, no executor slot is
// free, or (executor.synchronous) runs of an earlier round are still active.
int round_slots(const Campaign& campaign);

struct RoundResult {
  int added = 0;  // 0: the strategy had nothing to propose that fits the budget
  // When nothing was added: the cost of the cheapest run the strategy proposed and the budget
  // refused; 0 when it proposed nothing.
  double cheapest_refused = 0;
  Recommendation recommendation;
  double propose_seconds = 0, recommend_seconds = 0;
};

// Runs one round with `slots` (> 0) free slots. Admitted proposals become `proposed` trials
// (Campaign::add_proposals: the budget is a hard cap); when any was admitted the round's
// recommendation is made, stored as the campaign's latest and appended to /iterations with the
// strategy's diagnostics. Nothing is saved: the caller decides when to write the archive.
RoundResult run_round(Campaign& campaign, Strategy& strategy, int slots);

// The strategy's state (Strategy::save_state) into the campaign's archive (run_round does it
// after every round), and back into a fresh strategy when a campaign is resumed.
void record_strategy_state(Campaign& campaign, const Strategy& strategy);
void restore_strategy_state(const Campaign& campaign, Strategy& strategy);

}  // namespace mixbo
