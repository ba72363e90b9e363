#include "mixbo/strategy/surrogate_minimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mixbo/core/error.hpp"
#include "mixbo/core/guarded_nlopt.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {
namespace {

struct SurrogateSearch {
  const SurrogateFunction* f;
  Eigen::VectorXd best_w;
  double best = std::numeric_limits<double>::infinity();
};

double surrogate_objective(unsigned n, const double* x, double* g, void* data) {
  auto& c = *static_cast<SurrogateSearch*>(data);
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(x, n);
  Eigen::VectorXd gv;
  const double v = (*c.f)(w, g ? &gv : nullptr);
  if (g) Eigen::Map<Eigen::VectorXd>(g, n) = gv;
  if (std::isfinite(v) && v < c.best && std::abs(w.sum() - 1.0) < 1e-6) {
    c.best = v;
    c.best_w = w;
  }
  return std::isfinite(v) ? v : std::numeric_limits<double>::max();
}

}  // namespace

SurrogateMinimum minimize_surrogate(const SurrogateFunction& f, const BoundedSimplex& simplex,
                                    std::uint64_t seed, int sweep, int starts, double floor) {
  const int k = simplex.dim();
  // Bounds with the floor applied; the floored box must still meet the simplex.
  Eigen::VectorXd lo = simplex.lower().cwiseMax(floor), hi = simplex.upper();
  if (lo.sum() > 1.0 || (lo.array() > hi.array()).any()) lo = simplex.lower();
  const BoundedSimplex box(simplex.names(), lo, hi);

  Eigen::MatrixXd cand = sample_sobol(box, std::max(sweep, 1), seed);
  std::vector<double> val(static_cast<size_t>(cand.rows()));
  for (Eigen::Index i = 0; i < cand.rows(); ++i) {
    const double v = f(cand.row(i).transpose(), nullptr);
    val[static_cast<size_t>(i)] = std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  }
  std::vector<size_t> order(val.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return val[a] < val[b]; });

  SurrogateMinimum best;
  best.w = cand.row(static_cast<Eigen::Index>(order[0])).transpose();
  best.value = val[order[0]];
  if (k == 1) return best;
  for (int s = 0; s < std::min<int>(starts, static_cast<int>(order.size())); ++s) {
    SurrogateSearch c{&f, {}, std::numeric_limits<double>::infinity()};
    GuardedNlopt guarded(nlopt::LD_SLSQP, static_cast<unsigned>(k));
    nlopt::opt& opt = guarded.opt();
    opt.set_lower_bounds(std::vector<double>(lo.data(), lo.data() + k));
    opt.set_upper_bounds(std::vector<double>(hi.data(), hi.data() + k));
    guarded.add_equality_constraint(simplex_sum_constraint, nullptr, 1e-12);
    guarded.set_min_objective(surrogate_objective, &c);
    opt.set_maxeval(300);
    opt.set_xtol_rel(1e-10);
    opt.set_ftol_rel(1e-12);
    const Eigen::VectorXd w0 = cand.row(static_cast<Eigen::Index>(order[static_cast<size_t>(s)]));
    std::vector<double> x(w0.data(), w0.data() + k);
    double fx = 0;
    try {
      // NLopt's roundoff / generic failures: keep the best feasible point it visited.
      guarded.optimize(x, fx);
    } catch (const NumericalError&) {
      continue;  // this start failed
    }
    if (c.best_w.size() == 0) continue;
    const Eigen::VectorXd w = box.project(c.best_w);
    const double v = f(w, nullptr);
    if (std::isfinite(v) && v < best.value) {
      best.w = w;
      best.value = v;
    }
  }
  if (!std::isfinite(best.value))
    throw NumericalError("the surrogate is not finite anywhere on the simplex");
  return best;
}

}  // namespace mixbo
