#include "mixbo/suite/goal_figures.hpp"

#include <cmath>

#include "mixbo/suite/metrics.hpp"

namespace mixbo {

std::string against_goal(double v, double goal, int precision, bool at_most) {
  const double unit = std::pow(10.0, precision);
  const double shown = std::round(v * unit) / unit;
  if (!at_most && v < goal && shown >= goal)
    return table_number(std::floor(v * unit * 10) / (unit * 10), precision + 1);
  if (at_most && v > goal && shown <= goal)
    return table_number(std::ceil(v * unit * 10) / (unit * 10), precision + 1);
  return table_number(v, precision);
}

std::string coverage_percent(double share) {
  if (std::isnan(share)) return "-";
  return against_goal(share * 100, kGoalCoverage * 100, 0) + "%";
}

std::string speedup_times(double speedup) {
  if (std::isnan(speedup)) return "-";
  return against_goal(speedup, kGoalSpeedup, 2) + "x";
}

}  // namespace mixbo
