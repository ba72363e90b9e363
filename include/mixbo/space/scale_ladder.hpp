#pragma once
// The discrete ladder of proxy model sizes. Costs are per training step relative to the scale
// with cost 1 (the paper's convention: 1B = 1), so one full-length run at that scale costs 1.
#include <string>
#include <vector>

namespace mixbo {

struct Scale {
  std::string name;      // "20M", "1B"
  double params = 0;     // parameter count, e.g. 2e7
  double step_cost = 0;  // relative cost of one step
};

class ScaleLadder {
 public:
  ScaleLadder() = default;
  // Sorted by parameter count; throws ConfigError on an empty ladder, duplicate names,
  // non-positive parameter counts or costs, or a target that is not in the ladder.
  ScaleLadder(std::vector<Scale> scales, const std::string& target);

  // The paper's ladder: 20M, 60M, 150M, 300M, 500M, 700M, 1B with its relative step costs.
  static ScaleLadder paper_default(const std::string& target = "1B");

  int size() const { return static_cast<int>(scales_.size()); }
  const Scale& operator[](int i) const { return scales_.at(static_cast<size_t>(i)); }
  const std::vector<Scale>& scales() const { return scales_; }
  int target() const { return target_; }
  const Scale& target_scale() const { return (*this)[target_]; }
  int index_of(const std::string& name) const;  // -1 when absent

 private:
  std::vector<Scale> scales_;
  int target_ = 0;
};

}  // namespace mixbo
