#include "mixbo/strategy/run_noise_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "mixbo/strategy/run_lookup.hpp"

namespace mixbo {

namespace {

struct Run {
  Point run;                         // mixture, scale and step budget (Observation::run_steps)
  std::map<std::int64_t, double> y;  // value at each checkpoint step
};

// Runs that finished (a checkpoint at their budget), in order of first appearance.
std::vector<Run> finished_runs(const History& history) {
  std::vector<Run> runs;
  std::map<std::string, size_t> index;
  for (const auto& o : history.observations) {
    if (o.trial.empty() || o.run_steps <= 0) continue;
    auto [it, fresh] = index.try_emplace(o.trial, runs.size());
    if (fresh) runs.push_back({{o.point.w, o.point.scale, o.run_steps}, {}});
    runs[it->second].y.emplace(o.point.steps, o.value);
  }
  std::erase_if(runs, [](const Run& r) { return !r.y.count(r.run.steps); });
  return runs;
}

}  // namespace

RunNoiseEstimate estimate_run_noise(const History& history) {
  const std::vector<Run> runs = finished_runs(history);
  std::vector<bool> grouped(runs.size(), false);
  double between = 0, within = 0;  // sums of squares
  double between_dof = 0, within_dof = 0, noise_share = 0;
  bool exact = true;  // every run of every group equals its group's first at every checkpoint
  for (size_t a = 0; a < runs.size(); ++a) {
    if (grouped[a]) continue;
    std::vector<const Run*> group{&runs[a]};
    for (size_t b = a + 1; b < runs.size(); ++b)
      if (!grouped[b] && same_run(runs[a].run, runs[b].run)) {
        grouped[b] = true;
        group.push_back(&runs[b]);
      }
    if (group.size() < 2) continue;
    // Deviations at the late checkpoints every run of the group has, as fractions of the group's
    // mean there (checkpoints where that is 0 are left out).
    const auto n = static_cast<double>(group.size());
    std::vector<std::vector<double>> dev(group.size());  // [run][checkpoint]
    std::vector<double> values(group.size());
    for (const auto& [s, v] : group.front()->y) {
      if (2 * s < group.front()->run.steps) continue;
      double sum = 0;
      bool everywhere = true;
      for (size_t i = 0; i < group.size() && everywhere; ++i) {
        const auto it = group[i]->y.find(s);
        everywhere = it != group[i]->y.end();
        if (everywhere) sum += values[i] = it->second;
      }
      if (!everywhere || sum == 0) continue;
      const double mean = sum / n;
      exact = exact && std::all_of(values.begin(), values.end(),
                                   [&](double v) { return v == values.front(); });
      for (size_t i = 0; i < group.size(); ++i)
        dev[i].push_back((values[i] - mean) / std::abs(mean));
    }
    if (dev.front().empty()) continue;
    const auto k = static_cast<double>(dev.front().size());
    for (const auto& d : dev) {
      double m = 0;
      for (const double x : d) m += x;
      m /= k;
      between += m * m;
      for (const double x : d) within += (x - m) * (x - m);
    }
    between_dof += n - 1;
    within_dof += (n - 1) * (k - 1);
    // E[between] = (n - 1) (sd^2 + checkpoint variance / k) for this group.
    noise_share += (n - 1) / k;
  }
  RunNoiseEstimate e;
  e.contrasts = static_cast<int>(between_dof);
  if (between_dof == 0) return e;
  e.exact = exact;
  const double checkpoint_var = within_dof > 0 ? within / within_dof : 0;
  e.checkpoint_sd = std::sqrt(checkpoint_var);
  e.sd = std::sqrt(std::max(0.0, (between - noise_share * checkpoint_var) / between_dof));
  return e;
}

}  // namespace mixbo
