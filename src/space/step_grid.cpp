#include "mixbo/space/step_grid.hpp"

#include <algorithm>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

StepGrid::StepGrid(std::int64_t interval, std::int64_t max_steps, std::vector<std::int64_t> budgets)
    : interval_(interval), max_steps_(max_steps), budgets_(std::move(budgets)) {
  if (interval_ <= 0) throw ConfigError("checkpoint interval must be positive");
  if (max_steps_ < interval_) throw ConfigError("max steps must be at least the interval");
  if (max_steps_ % interval_ != 0)
    throw ConfigError("max steps " + std::to_string(max_steps_) +
                      " is not a multiple of the checkpoint interval " + std::to_string(interval_));
  for (auto b : budgets_) {
    if (b <= 0 || b > max_steps_ || b % interval_ != 0)
      throw ConfigError("step budget " + std::to_string(b) +
                        " must be a positive multiple of the interval, at most max steps");
  }
  budgets_.push_back(max_steps_);
  std::sort(budgets_.begin(), budgets_.end());
  budgets_.erase(std::unique(budgets_.begin(), budgets_.end()), budgets_.end());
}

std::vector<std::int64_t> StepGrid::checkpoints(std::int64_t steps) const {
  std::vector<std::int64_t> out;
  for (std::int64_t s = interval_; s <= steps; s += interval_) out.push_back(s);
  return out;
}

}  // namespace mixbo
