#include "mixbo/sim/dense_optimum.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "mixbo/core/error.hpp"
#include "mixbo/core/guarded_nlopt.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

SimulatedObjective::SimulatedObjective(const Simulator& sim, const ObjectiveOptions& objective)
    : sim_(&sim) {
  const auto names = sim.metrics();
  for (const auto& [metric, weight] : objective.terms) {
    const auto it = std::find(names.begin(), names.end(), metric);
    if (it == names.end()) {
      std::string have;
      for (const auto& n : names) have += (have.empty() ? "" : ", ") + n;
      throw ConfigError("key 'objective.metric' names '" + metric +
                        "', which the simulator does not report (it reports " + have + ")");
    }
    terms_.emplace_back(it - names.begin(), objective.minimize ? weight : -weight);
  }
}

double SimulatedObjective::operator()(const Eigen::VectorXd& w, double params,
                                      std::int64_t step) const {
  const Eigen::VectorXd m = sim_->evaluate(w, params, step);
  double v = 0;
  for (const auto& [i, weight] : terms_) v += weight * m[i];
  return v;
}

namespace {

struct DenseSearch {
  const SimulatedObjective* f;
  const BoundedSimplex* simplex;
  double params;
  std::int64_t steps;
  int evaluations = 0;
};

double dense_objective(const std::vector<double>& x, std::vector<double>&, void* data) {
  auto* c = static_cast<DenseSearch*>(data);
  ++c->evaluations;
  const Eigen::VectorXd v =
      Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
  // COBYLA may step slightly off the constraint: evaluate at the nearest feasible mixture.
  return (*c->f)(c->simplex->project(v), c->params, c->steps);
}

}  // namespace

DenseOptimum dense_optimum(const Simulator& sim, const ObjectiveOptions& objective_config,
                           const SearchSpace& space, int sweep_points, int starts,
                           std::uint64_t seed) {
  const SimulatedObjective f(sim, objective_config);
  const auto& simplex = space.simplex();
  const double params = space.scales().target_scale().params;
  const std::int64_t steps = space.steps().max_steps();
  const int k = simplex.dim();

  DenseOptimum best;
  best.value = std::numeric_limits<double>::infinity();
  const Eigen::MatrixXd sweep = sample_sobol(simplex, std::max(sweep_points, 1), seed);
  std::vector<std::pair<double, Eigen::Index>> ranked;
  ranked.reserve(static_cast<size_t>(sweep.rows()));
  for (Eigen::Index r = 0; r < sweep.rows(); ++r)
    ranked.emplace_back(f(sweep.row(r).transpose(), params, steps), r);
  best.evaluations = static_cast<int>(sweep.rows());
  const size_t n_starts = std::min<size_t>(static_cast<size_t>(std::max(starts, 0)), ranked.size());
  std::partial_sort(ranked.begin(),
                    ranked.begin() + static_cast<long>(std::max<size_t>(n_starts, 1)),
                    ranked.end());
  best.sweep_value = ranked.front().first;
  best.value = ranked.front().first;
  best.w = sweep.row(ranked.front().second).transpose();

  std::vector<Eigen::VectorXd> start_points;
  for (size_t i = 0; i < n_starts; ++i)
    start_points.push_back(sweep.row(ranked[i].second).transpose());
  start_points.push_back(simplex.center());
  DenseSearch ctx{&f, &simplex, params, steps};
  for (const auto& s : start_points) {
    GuardedNlopt guarded(nlopt::LN_COBYLA, static_cast<unsigned>(k));
    nlopt::opt& opt = guarded.opt();
    opt.set_lower_bounds(std::vector<double>(simplex.lower().data(), simplex.lower().data() + k));
    opt.set_upper_bounds(std::vector<double>(simplex.upper().data(), simplex.upper().data() + k));
    guarded.add_equality_constraint(simplex_sum_constraint, nullptr, 1e-12);
    guarded.set_min_objective(dense_objective, &ctx);
    opt.set_xtol_abs(1e-9);
    opt.set_ftol_abs(1e-12);
    opt.set_maxeval(4000);
    opt.set_initial_step(0.05);
    std::vector<double> x(s.data(), s.data() + k);
    double v = 0;
    try {
      const nlopt::result status = guarded.optimize(x, v);
      // A start NLopt gives up on cannot beat the sweep point it started from.
      if (status == nlopt::FAILURE || status == nlopt::FORCED_STOP) continue;
    } catch (const NumericalError&) {
      continue;  // this start failed
    }
    const Eigen::VectorXd w =
        simplex.project(Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(k)));
    const double value = f(w, params, steps);
    if (value < best.value) best.value = value, best.w = w;
  }
  best.evaluations += ctx.evaluations;
  return best;
}

}  // namespace mixbo
