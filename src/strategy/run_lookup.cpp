#include "mixbo/strategy/run_lookup.hpp"

#include <cmath>

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

RunIndex::RunIndex(const History& h) {
  for (const auto& r : h.runs) runs_.insert(key(r));
  for (const auto& o : h.observations) values_.emplace(key(o.point), o.value);
}

std::optional<double> RunIndex::final_value(const Point& p) const {
  const auto it = values_.find(key(p));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

RunIndex::Key RunIndex::key(const Point& p) {
  std::vector<std::int64_t> w(static_cast<size_t>(p.w.size()));
  for (Eigen::Index i = 0; i < p.w.size(); ++i)
    w[static_cast<size_t>(i)] = std::llround(p.w[i] * 1e12);
  return {p.scale, p.steps, std::move(w)};
}

}  // namespace mixbo
