#include "mixbo/core/error.hpp"
#include "mixbo/strategy/bimix_law.hpp"
#include "mixbo/strategy/gp_bo.hpp"
#include "mixbo/strategy/hyperband.hpp"
#include "mixbo/strategy/random_search.hpp"
#include "mixbo/strategy/regmix.hpp"

namespace mixbo {

std::unique_ptr<Strategy> make_strategy(const CampaignConfig& config, Team& team) {
  (void)team;
  const auto& type = config.strategy.type;
  if (type == "random") return std::make_unique<RandomSearch>(config);
  if (type == "hyperband") return std::make_unique<Hyperband>(config);
  if (type == "bimix-law") return std::make_unique<BimixLawStrategy>(config, team);
  if (type == "regmix") return std::make_unique<RegMix>(config);
  if (type == "mfms-bo")
    return std::make_unique<GpBoStrategy>(config, team, GpBoStrategy::Fidelity::kMulti);
  if (type == "sf-bo")
    return std::make_unique<GpBoStrategy>(config, team, GpBoStrategy::Fidelity::kSingle);
  throw ConfigError("strategy '" + type + "' is not available in this build");
}

}  // namespace mixbo
