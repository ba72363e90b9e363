#pragma once
// The BiMix law (bimix_law_fit.hpp) fitted to the runs of ONE scale of a history, and its
// minimiser at full steps. The data: every checkpoint from max_steps / 20 on of every run at that
// scale, thinned to at most kCheckpointsPerRun per run evenly in log steps (the curve's shape
// without letting its many late checkpoints outweigh the other runs). The fit is cached per
// scale and redone only when that data changed, so one round's propose() and recommend() fit
// once. The bimix-law baseline fits one per stage scale; the fit is its own class so that
// another strategy can reuse the law without the baseline's staging.
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "mixbo/space/search_space.hpp"
#include "mixbo/strategy/bimix_law_fit.hpp"
#include "mixbo/strategy/history.hpp"
#include "mixbo/strategy/strategy.hpp"
#include "mixbo/strategy/surrogate_minimize.hpp"

namespace mixbo {

class BimixScaleFitter {
 public:
  static constexpr int kCheckpointsPerRun = 24;

  // `seed` seeds the fit's starts and the minimiser's sweep; `starts` is the fit's start count.
  BimixScaleFitter(SearchSpace space, std::uint64_t seed, int starts);

  // The law fitted on the history's observations at `scale`; nullopt while there are fewer
  // than 4k + 1 of them or fewer than two runs. Fit diagnostics go to *diag when given.
  std::optional<BimixFit> fit(const History& history, int scale, Team& team,
                              Diagnostics* diag = nullptr);
  // The law's minimiser at full steps over the bounded simplex, and its predicted value.
  SurrogateMinimum minimum(const BimixLaw& law) const;

 private:
  BimixData data(const History& history, int scale) const;

  SearchSpace space_;
  std::uint64_t seed_;
  int starts_;
  std::map<int, std::pair<BimixData, BimixFit>> cache_;  // per scale: the last fit and its data
};

}  // namespace mixbo
