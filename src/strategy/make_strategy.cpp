#include "mixbo/core/error.hpp"
#include "mixbo/strategy/random_search.hpp"

namespace mixbo {

std::unique_ptr<Strategy> make_strategy(const CampaignConfig& config, Team& team) {
  (void)team;
  const auto& type = config.strategy.type;
  if (type == "random") return std::make_unique<RandomSearch>(config);
  throw ConfigError("strategy '" + type + "' is not available in this build");
}

}  // namespace mixbo
