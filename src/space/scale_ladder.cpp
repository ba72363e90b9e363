#include "mixbo/space/scale_ladder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "mixbo/core/error.hpp"

namespace mixbo {

ScaleLadder::ScaleLadder(std::vector<Scale> scales, const std::string& target)
    : scales_(std::move(scales)) {
  if (scales_.empty()) throw ConfigError("the scale ladder is empty");
  std::set<std::string> seen;
  for (const auto& s : scales_) {
    if (!seen.insert(s.name).second) throw ConfigError("duplicate scale name '" + s.name + "'");
    if (!(s.params > 0) || !std::isfinite(s.params))
      throw ConfigError("scale '" + s.name + "' needs a positive parameter count");
    if (!(s.step_cost > 0) || !std::isfinite(s.step_cost))
      throw ConfigError("scale '" + s.name + "' needs a positive per-step cost");
  }
  std::stable_sort(scales_.begin(), scales_.end(),
                   [](const Scale& a, const Scale& b) { return a.params < b.params; });
  target_ = index_of(target);
  if (target_ < 0) {
    std::string names;
    for (const auto& s : scales_) names += (names.empty() ? "" : ", ") + s.name;
    throw ConfigError("target scale '" + target + "' is not in the ladder (" + names + ")");
  }
}

ScaleLadder ScaleLadder::paper_default(const std::string& target) {
  return ScaleLadder({{"20M", 20e6, 0.01296},
                      {"60M", 60e6, 0.03232},
                      {"150M", 150e6, 0.07484},
                      {"300M", 300e6, 0.14773},
                      {"500M", 500e6, 0.21662},
                      {"700M", 700e6, 0.2983},
                      {"1B", 1e9, 1.0}},
                     target);
}

int ScaleLadder::index_of(const std::string& name) const {
  for (size_t i = 0; i < scales_.size(); ++i)
    if (scales_[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace mixbo
