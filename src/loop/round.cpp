#include "mixbo/loop/round.hpp"

#include <algorithm>
#include <chrono>

#include "mixbo/core/clock.hpp"

namespace mixbo {

int round_slots(const Campaign& c) {
  const auto& cfg = c.config();
  if (c.spent() >= cfg.budget * (1 - 1e-12)) return 0;
  const int active = c.active();
  if (cfg.executor.synchronous && active > 0) return 0;
  const int free = cfg.executor.max_concurrent - active;
  if (free <= 0) return 0;
  return cfg.strategy.batch > 0 ? std::min(cfg.strategy.batch, free) : free;
}

void record_strategy_state(Campaign& c, const Strategy& s) {
  StrategyState state = s.save_state();
  c.archive().strategy_state_key = std::move(state.key);
  c.archive().strategy_state = std::move(state.values);
}

void restore_strategy_state(const Campaign& c, Strategy& s) {
  const Archive& a = c.archive();
  if (!a.strategy_state_key.empty()) s.restore_state({a.strategy_state_key, a.strategy_state});
}

RoundResult run_round(Campaign& c, Strategy& s, int slots) {
  RoundResult out;
  const History h = c.history();
  std::vector<Point> pending;
  for (const auto& t : c.archive().trials)
    if (is_active(t.state)) pending.push_back(t.point);
  const auto t0 = std::chrono::steady_clock::now();
  const auto proposals = s.propose(h, pending, slots);
  out.propose_seconds = seconds_since(t0);
  out.added = c.add_proposals(proposals, h.iteration, s.name());
  if (out.added == 0) {
    for (const auto& p : proposals) {
      const double cost = c.config().space.cost(p);
      if (out.cheapest_refused == 0 || cost < out.cheapest_refused) out.cheapest_refused = cost;
    }
    return out;
  }
  const auto t1 = std::chrono::steady_clock::now();
  out.recommendation = s.recommend(c.history());
  out.recommend_seconds = seconds_since(t1);
  // After recommend: what the strategy says about its recommendation (rec.*) is part of it.
  auto diagnostics = s.diagnostics().values;
  c.record_recommendation(out.recommendation, h.iteration);
  record_strategy_state(c, s);
  IterationRecord it = c.archive().recommendation;
  it.propose_seconds = out.propose_seconds;
  it.n_proposed = out.added;
  it.diagnostics = std::move(diagnostics);
  it.diagnostics["propose_seconds"] = out.propose_seconds;
  it.diagnostics["recommend_seconds"] = out.recommend_seconds;
  c.archive().iterations.push_back(std::move(it));
  return out;
}

}  // namespace mixbo
