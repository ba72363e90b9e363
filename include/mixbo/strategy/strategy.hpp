#pragma once
// One interface for the BO method and every baseline. A strategy must be reconstructible from
// (config, history): a restarted campaign creates a fresh strategy and calls propose() with the
// recorded history, so any randomness is seeded from (campaign seed, history.iteration) and any
// bookkeeping (e.g. Hyperband's rungs) is rebuilt from history.runs / history.observations.
#include <Eigen/Core>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/strategy/history.hpp"

namespace mixbo {

// The answer a user wants: the mixture for the target scale at full steps, the model's
// predicted objective there and a 95% interval (mean +- 1.96 sd; lo == hi == mean for
// strategies without a predictive distribution).
struct Recommendation {
  Eigen::VectorXd w;
  double mean = 0, lo = 0, hi = 0;
  bool valid = false;  // false until the strategy has anything to recommend
};

// Per-round diagnostics the loop archives (hyperparameters by name, timings in seconds).
struct Diagnostics {
  std::map<std::string, double> values;
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
};

// Builds the strategy named by config.strategy.type; `team` runs its multi-starts.
std::unique_ptr<Strategy> make_strategy(const CampaignConfig& config, Team& team);

}  // namespace mixbo
