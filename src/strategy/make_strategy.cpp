#include "mixbo/acq/acquisition.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/strategy/bimix_law.hpp"
#include "mixbo/strategy/gp_bo.hpp"
#include "mixbo/strategy/hyperband.hpp"
#include "mixbo/strategy/random_search.hpp"
#include "mixbo/strategy/regmix.hpp"
#include "mixbo/strategy/strategy_registry.hpp"

namespace mixbo {

const Registry<StrategyFactory>& strategy_registry() {
  // One line per strategy; the order is the order errors and --help list them in.
  static const Registry<StrategyFactory> r = [] {
    Registry<StrategyFactory> reg("strategy");
    reg.add("mfms-bo", "multi-fidelity, multi-scale GP BO: runs at any scale and step budget",
            [](const StrategySetup& c, Team& t) -> std::unique_ptr<Strategy> {
              return std::make_unique<GpBoStrategy>(c, t, GpBoStrategy::Fidelity::kMulti);
            });
    reg.add("random", "random mixtures at the target scale, full steps",
            [](const StrategySetup& c, Team&) -> std::unique_ptr<Strategy> {
              return std::make_unique<RandomSearch>(c);
            });
    reg.add("sf-bo", "single-fidelity GP BO: target scale, full steps only",
            [](const StrategySetup& c, Team& t) -> std::unique_ptr<Strategy> {
              return std::make_unique<GpBoStrategy>(c, t, GpBoStrategy::Fidelity::kSingle);
            });
    reg.add("hyperband", "Hyperband brackets over (scale, steps) rungs ending at the target",
            [](const StrategySetup& c, Team&) -> std::unique_ptr<Strategy> {
              return std::make_unique<Hyperband>(c);
            });
    reg.add("bimix-law", "fits the BiMix scaling law on cheap runs, trains its minimiser",
            [](const StrategySetup& c, Team& t) -> std::unique_ptr<Strategy> {
              return std::make_unique<BimixLawStrategy>(c, t);
            });
    reg.add("regmix", "ridge regression on cheap runs, trains its predicted best",
            [](const StrategySetup& c, Team&) -> std::unique_ptr<Strategy> {
              return std::make_unique<RegMix>(c);
            });
    return reg;
  }();
  return r;
}

void check_strategy_names(const StrategySetup& setup) {
  const std::string& where = setup.source;
  strategy_registry().get(setup.options.type, where, "strategy.type");
  // The config holds the acquisition as a name; it is resolved here, where acq may be seen.
  if (!acquisition_registry().find(setup.options.acquisition))
    throw ConfigError(where + ": key 'strategy.acquisition' names unknown acquisition '" +
                      setup.options.acquisition +
                      "' (known: " + acquisition_registry().names_text() + ")");
}

std::unique_ptr<Strategy> make_strategy(const StrategySetup& setup, Team& team) {
  check_strategy_names(setup);
  return strategy_registry().find(setup.options.type)->make(setup, team);
}

}  // namespace mixbo
