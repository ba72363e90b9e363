#pragma once
// The strategies a campaign's strategy.type may name, by name (core/registry.hpp). A new
// strategy is its own header and source plus one add() line in src/strategy/make_strategy.cpp;
// the allowed values of strategy.type and `mixbo validate --help` follow from this registry.
#include <functional>
#include <memory>

#include "mixbo/core/registry.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

using StrategyFactory = std::function<std::unique_ptr<Strategy>(const StrategySetup&, Team&)>;

const Registry<StrategyFactory>& strategy_registry();

// ConfigError naming the file and the key when strategy.type or strategy.acquisition names
// nothing registered (the config module holds both as plain names; it knows no algorithm).
void check_strategy_names(const StrategySetup& setup);

}  // namespace mixbo
