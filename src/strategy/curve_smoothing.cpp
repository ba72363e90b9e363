#include "mixbo/strategy/curve_smoothing.hpp"

#include <cmath>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

double smoothed_checkpoint(const std::vector<CurvePoint>& curve, size_t j, double half_width) {
  if (j >= curve.size())
    throw Error("smoothed_checkpoint: checkpoint " + std::to_string(j) + " of a curve of " +
                std::to_string(curve.size()));
  if (!(curve[j].steps > 0)) throw Error("smoothed_checkpoint: steps must be positive");
  const double u0 = std::log(curve[j].steps);
  // Sums for the line y = a + b u with u = log(steps) - u0, so that a is the value at curve[j].
  double n = 0, su = 0, sy = 0, suu = 0, suy = 0;
  for (const auto& p : curve) {
    if (!(p.steps > 0)) continue;
    const double u = std::log(p.steps) - u0;
    if (std::abs(u) > half_width) continue;
    n += 1;
    su += u;
    sy += p.value;
    suu += u * u;
    suy += u * p.value;
  }
  const double spread = n * suu - su * su;
  if (n < 3 || !(spread > 0)) return curve[j].value;
  const double b = (n * suy - su * sy) / spread;
  return (sy - b * su) / n;
}

}  // namespace mixbo
