#pragma once
// Training length: a run to `steps` reports the objective at every checkpoint (multiples of
// `interval`), so one run yields a learning curve. `budgets` are the step counts a strategy may
// ask a new run to train for; the last one is always `max_steps`, the length of a full run.
#include <cstdint>
#include <vector>

namespace mixbo {

class StepGrid {
 public:
  StepGrid() = default;
  // Throws ConfigError unless 0 < interval <= max_steps, every budget is a positive multiple of
  // interval no larger than max_steps. Budgets are sorted and max_steps is added if missing.
  StepGrid(std::int64_t interval, std::int64_t max_steps, std::vector<std::int64_t> budgets);

  std::int64_t interval() const { return interval_; }
  std::int64_t max_steps() const { return max_steps_; }
  const std::vector<std::int64_t>& budgets() const { return budgets_; }
  // Checkpoints a run to `steps` reports: interval, 2*interval, ..., steps.
  std::vector<std::int64_t> checkpoints(std::int64_t steps) const;

 private:
  std::int64_t interval_ = 100;
  std::int64_t max_steps_ = 100;
  std::vector<std::int64_t> budgets_;
};

}  // namespace mixbo
