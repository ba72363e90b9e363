#pragma once
// What a value stated at the target rests on, so that the final report and `mixbo status` can
// say it with the interval. An interval extrapolated from smaller scales assumes that the target
// continues their trend, and no check below the target can test that: on the paper simulator's
// held-out heads the loss falls two to four times as fast from 700M to 1B as from 150M to 700M,
// and such intervals covered 45-76% of the true values (README, Benchmark: "On objectives the
// project was not tuned on"). A run at the target at the recommended mixture is the check.
#include <Eigen/Core>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "mixbo/io/archive.hpp"

namespace mixbo {

struct EstimateBasis {
  std::string largest_scale;   // the largest scale with an observation ("" while none)
  bool at_target = false;      // that scale is the target or above
  int target_runs = 0;         // runs observed at the target scale or above at full steps
  std::string run_at_mixture;  // the id of such a run at the recommended mixture ("" if none)
};

// From the archive's trials and observations; `w` is the recommended mixture. Empty (nothing
// known) when no ladder or no step count is given.
EstimateBasis estimate_basis(const Archive& a, const ArchiveLadder& ladder, std::int64_t max_steps,
                             const Eigen::VectorXd& w);

// {"largest_scale", "target_runs", "run_at_mixture"}: the JSON outputs' "basis".
nlohmann::json estimate_basis_json(const EstimateBasis& b);

// One line for an interval stated at the target, "" for any other value or an empty basis:
// "extrapolated from runs up to 700M: it assumes 1B continues their trend",
// "no full-length run at 1B: extrapolated from shorter runs there",
// "from 2 full-length runs at 1B, none at this mixture", or
// "run t0042 at 1B is at this mixture".
std::string basis_text(const IterationRecord& rec, const EstimateBasis& b,
                       const std::string& target_scale);

}  // namespace mixbo
