#include "mixbo/space/simplex.hpp"

#include <algorithm>
#include <set>

#include "mixbo/core/error.hpp"

namespace mixbo {

BoundedSimplex::BoundedSimplex(std::vector<std::string> names, Eigen::VectorXd lower,
                               Eigen::VectorXd upper)
    : names_(std::move(names)), lower_(std::move(lower)), upper_(std::move(upper)) {
  const auto k = static_cast<Eigen::Index>(names_.size());
  if (k < 2) throw ConfigError("a mixture needs at least 2 domains, got " + std::to_string(k));
  if (lower_.size() != k || upper_.size() != k)
    throw ConfigError("bounds must have one entry per domain (" + std::to_string(k) + ")");
  std::set<std::string> seen;
  for (const auto& n : names_) {
    if (n.empty()) throw ConfigError("a domain name is empty");
    if (!seen.insert(n).second) throw ConfigError("duplicate domain name '" + n + "'");
  }
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& n = names_[static_cast<size_t>(i)];
    if (!(lower_[i] >= 0.0 && lower_[i] <= 1.0))
      throw ConfigError("lower bound of '" + n + "' must lie in [0, 1]");
    if (!(upper_[i] >= 0.0 && upper_[i] <= 1.0))
      throw ConfigError("upper bound of '" + n + "' must lie in [0, 1]");
    if (lower_[i] > upper_[i])
      throw ConfigError("lower bound of '" + n + "' exceeds its upper bound");
  }
  if (lower_.sum() > 1.0 + 1e-12)
    throw ConfigError("the lower bounds sum to " + std::to_string(lower_.sum()) +
                      " > 1: no mixture satisfies them");
  if (upper_.sum() < 1.0 - 1e-12)
    throw ConfigError("the upper bounds sum to " + std::to_string(upper_.sum()) +
                      " < 1: no mixture satisfies them");
}

BoundedSimplex::BoundedSimplex(std::vector<std::string> names)
    : BoundedSimplex(names, Eigen::VectorXd::Zero(static_cast<Eigen::Index>(names.size())),
                     Eigen::VectorXd::Ones(static_cast<Eigen::Index>(names.size()))) {}

bool BoundedSimplex::has_bounds() const {
  return (lower_.array() > 0.0).any() || (upper_.array() < 1.0).any();
}

bool BoundedSimplex::contains(const Eigen::Ref<const Eigen::VectorXd>& w, double tol) const {
  if (w.size() != dim() || !w.allFinite()) return false;
  if (std::abs(w.sum() - 1.0) > tol) return false;
  return ((w - lower_).array() >= -tol).all() && ((upper_ - w).array() >= -tol).all();
}

namespace {
// Puts the rounding residual of a sum-to-one vector on the coordinate with the most room.
void fix_sum(Eigen::VectorXd& x, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  for (int pass = 0; pass < 3; ++pass) {
    const double r = 1.0 - x.sum();
    if (r == 0.0) return;
    Eigen::Index best = 0;
    double room = -1;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double ri = r > 0 ? hi[i] - x[i] : x[i] - lo[i];
      if (ri > room) room = ri, best = i;
    }
    x[best] += r;
  }
}
}  // namespace

Eigen::VectorXd BoundedSimplex::project(const Eigen::Ref<const Eigen::VectorXd>& v) const {
  // sum_i clip(v_i - tau, l_i, u_i) is non-increasing in tau; bisect for the tau giving 1.
  double a = (v - upper_).minCoeff(), b = (v - lower_).maxCoeff();
  auto mass = [&](double tau) {
    return (v.array() - tau).max(lower_.array()).min(upper_.array()).sum();
  };
  for (int it = 0; it < 200 && b - a > 0; ++it) {
    const double mid = 0.5 * (a + b);
    if (mid == a || mid == b) break;
    (mass(mid) > 1.0 ? a : b) = mid;
  }
  Eigen::VectorXd x = (v.array() - 0.5 * (a + b)).max(lower_.array()).min(upper_.array());
  fix_sum(x, lower_, upper_);
  return x;
}

Eigen::VectorXd BoundedSimplex::from_unit(const Eigen::Ref<const Eigen::VectorXd>& u) const {
  const double free_mass = 1.0 - lower_.sum();
  Eigen::VectorXd x = lower_ + free_mass * u;
  // Capacity-proportional hand-over never overshoots, because the total room left is at least
  // the excess (sum of upper >= 1), so one pass is exact.
  Eigen::VectorXd over = (x - upper_).cwiseMax(0.0);
  const double excess = over.sum();
  if (excess > 0) {
    x -= over;
    const Eigen::VectorXd room = upper_ - x;
    const double total_room = room.sum();
    if (total_room > 0) x += excess * room / total_room;
  }
  fix_sum(x, lower_, upper_);
  return x;
}

Eigen::VectorXd BoundedSimplex::center() const {
  return from_unit(Eigen::VectorXd::Constant(dim(), 1.0 / dim()));
}

}  // namespace mixbo
