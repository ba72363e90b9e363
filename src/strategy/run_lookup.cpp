#include "mixbo/strategy/run_lookup.hpp"

namespace mixbo {

bool same_mixture(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double tol) {
  if (a.size() != b.size()) return false;
  return a.size() == 0 || (a - b).cwiseAbs().maxCoeff() <= tol;
}

bool same_run(const Point& a, const Point& b) {
  return a.scale == b.scale && a.steps == b.steps && same_mixture(a.w, b.w);
}

bool contains_run(const std::vector<Point>& runs, const Point& p) {
  for (const auto& r : runs)
    if (same_run(r, p)) return true;
  return false;
}

std::optional<double> final_value(const History& h, const Point& p) {
  for (const auto& o : h.observations)
    if (same_run(o.point, p)) return o.value;
  return std::nullopt;
}

}  // namespace mixbo
