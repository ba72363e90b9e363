#pragma once
// One interface for the BO method and every baseline. A strategy must be reconstructible from
// (setup, history, its saved state): a restarted campaign creates a fresh strategy, hands it the
// state it saved after its last recorded round (restore_state) and calls propose() with the
// recorded history, so any randomness is seeded from (campaign seed, history.iteration), any
// bookkeeping (e.g. Hyperband's rungs) is rebuilt from history.runs / history.observations, and
// what cannot be rebuilt from them (a GP's fitted hyperparameters, the warm start of the next fit)
// is in the saved state.
#include <Eigen/Core>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/config/strategy_options.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/strategy/history.hpp"

namespace mixbo {

// The answer a user wants: the mixture for the target scale at full steps, the value the
// strategy has for it and, when it has one, a 95% interval (mean +- 1.96 sd).
//
// The value is not always about the target: a baseline that has not yet run anything there
// recommends from a cheaper run or a law fitted at a cheaper scale. `scale` and `steps` say
// what `mean` is the objective OF, so that no output presents a 70M loss as a 1B one.
struct Recommendation {
  Eigen::VectorXd w;
  double mean = 0, lo = 0, hi = 0;
  bool valid = false;         // false until the strategy has anything to recommend
  bool has_interval = false;  // false: lo and hi carry no information (equal to mean)
  int scale = -1;             // ladder index the value refers to; -1: the target scale
  std::int64_t steps = 0;     // steps the value refers to; 0: the full step count
  // An observed value (mean = one run's objective, no interval) at `at`'s scale and steps.
  static Recommendation observed(const Point& at, double value) {
    Recommendation r;
    r.valid = true;
    r.w = at.w;
    r.mean = r.lo = r.hi = value;
    r.scale = at.scale;
    r.steps = at.steps;
    return r;
  }
};

// Per-round diagnostics the loop archives (hyperparameters by name, timings in seconds).
struct Diagnostics {
  std::map<std::string, double> values;
};

// What a strategy keeps between rounds that the history does not hold, archived after every
// round (campaign.h5 /strategy_state) so that a resumed campaign proposes what an uninterrupted
// one would. `key` names the model the values belong to: a strategy restores only a state whose
// key is its own (a resumed campaign may change its [strategy] section).
struct StrategyState {
  std::string key;
  std::map<std::string, std::vector<double>> values;
  bool empty() const { return key.empty() && values.empty(); }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // q new runs (point.steps = step budget), distinct from each other and from `pending`;
  // fewer (even none) when the strategy has nothing worth running.
  virtual std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                                     int q) = 0;
  virtual Recommendation recommend(const History& history) = 0;
  virtual Diagnostics diagnostics() const { return {}; }
  // The state after the last propose()/recommend(); empty when the history rebuilds everything.
  virtual StrategyState save_state() const { return {}; }
  // A state save_state() returned, from the archive of the campaign being resumed; one whose
  // key is not this strategy's own is ignored.
  virtual void restore_state(const StrategyState& /*state*/) {}
};

// Builds the strategy named by setup.options.type (strategy_registry.hpp); `team` runs its
// multi-starts. ConfigError naming the key when the type or the acquisition is unknown.
std::unique_ptr<Strategy> make_strategy(const StrategySetup& setup, Team& team);

}  // namespace mixbo
