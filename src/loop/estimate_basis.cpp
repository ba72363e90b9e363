#include "mixbo/loop/estimate_basis.hpp"

#include <algorithm>
#include <vector>

namespace mixbo {

namespace {
// The same mixture as a run's, to the precision an archive stores it in.
constexpr double kSameMixture = 1e-9;
}  // namespace

EstimateBasis estimate_basis(const Archive& a, const ArchiveLadder& ladder, std::int64_t max_steps,
                             const Eigen::VectorXd& w) {
  EstimateBasis b;
  // load_archive refuses an archive without its /space; a caller that passes no ladder or step
  // count gets an empty basis, which basis_text states nothing from.
  if (max_steps <= 0 || ladder.names.empty()) return b;
  const auto& obs = a.observations;
  std::vector<char> observed(a.trials.size(), 0), full(a.trials.size(), 0);
  for (size_t i = 0; i < obs.size(); ++i) {
    const auto t = static_cast<size_t>(obs.trial[i]);
    if (t >= a.trials.size()) continue;
    observed[t] = 1;
    if (obs.step[i] >= max_steps) full[t] = 1;
  }
  int largest = -1;
  for (size_t t = 0; t < a.trials.size(); ++t) {
    if (!observed[t]) continue;
    const TrialRecord& r = a.trials[t];
    largest = std::max(largest, r.point.scale);
    if (!full[t] || r.point.scale < ladder.target) continue;
    ++b.target_runs;
    if (b.run_at_mixture.empty() && r.point.w.size() == w.size() &&
        (r.point.w - w).cwiseAbs().maxCoeff() <= kSameMixture)
      b.run_at_mixture = r.id;
  }
  if (largest >= 0 && largest < static_cast<int>(ladder.names.size()))
    b.largest_scale = ladder.names[static_cast<size_t>(largest)];
  b.at_target = largest >= ladder.target;
  return b;
}

nlohmann::json estimate_basis_json(const EstimateBasis& b) {
  return {{"largest_scale", b.largest_scale},
          {"target_runs", b.target_runs},
          {"run_at_mixture", b.run_at_mixture}};
}

std::string basis_text(const IterationRecord& rec, const EstimateBasis& b,
                       const std::string& target_scale) {
  if (!rec.rec_valid || !rec.rec_at_target || !rec.rec_interval || b.largest_scale.empty())
    return "";
  if (!b.run_at_mixture.empty())
    return "run " + b.run_at_mixture + " at " + target_scale + " is at this mixture";
  if (b.target_runs > 0)
    return "from " + std::to_string(b.target_runs) + " full-length run" +
           (b.target_runs == 1 ? "" : "s") + " at " + target_scale + ", none at this mixture";
  if (b.at_target)
    return "no full-length run at " + target_scale + ": extrapolated from shorter runs there";
  return "extrapolated from runs up to " + b.largest_scale + ": it assumes " + target_scale +
         " continues their trend";
}

}  // namespace mixbo
