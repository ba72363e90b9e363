#include "mixbo/gp/fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mixbo/core/error.hpp"
#include "mixbo/core/failure_values.hpp"
#include "mixbo/core/guarded_nlopt.hpp"
#include "mixbo/gp/likelihood.hpp"

namespace mixbo {

GpFitProblem::GpFitProblem(GpModel model, Eigen::MatrixXd X, Eigen::VectorXd ys, FitOptions options,
                           RunEffect runs)
    : model_(std::move(model)),
      X_(std::move(X)),
      ys_(std::move(ys)),
      options_(options),
      runs_(std::move(runs)) {}

void GpFitProblem::serialize(ByteWriter& out) const {
  model_.serialize(out);
  out.put(X_);
  out.put(ys_);
  out.put<std::int32_t>(options_.starts);
  out.put<std::int32_t>(options_.max_evaluations);
  out.put<double>(options_.ftol_rel);
  out.put<double>(options_.xtol_rel);
  runs_.serialize(out);
}

std::unique_ptr<MultiStartProblem> GpFitProblem::deserialize(ByteReader& in) {
  GpModel model = GpModel::deserialize(in);
  Eigen::MatrixXd X = in.get_matrix();
  Eigen::VectorXd ys = in.get_vector();
  FitOptions o;
  o.starts = in.get<std::int32_t>();
  o.max_evaluations = in.get<std::int32_t>();
  o.ftol_rel = in.get<double>();
  o.xtol_rel = in.get<double>();
  RunEffect runs = RunEffect::deserialize(in);
  return std::make_unique<GpFitProblem>(std::move(model), std::move(X), std::move(ys), o,
                                        std::move(runs));
}

double negated_log_posterior(const std::function<double(Eigen::VectorXd*)>& log_posterior,
                             Eigen::Index size, Eigen::VectorXd* grad) {
  try {
    const double lp = log_posterior(grad);
    if (grad) *grad = -*grad;
    if (!std::isfinite(lp) || (grad && !grad->allFinite())) throw NumericalError("non-finite");
    return -lp;
  } catch (const NumericalError&) {
    if (grad) grad->setZero(size);
    return kFailedObjective;
  }
}

double GpFitProblem::objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad,
                               LikelihoodWorkspace* workspace) const {
  return negated_log_posterior(
      [&](Eigen::VectorXd* g) {
        return log_posterior(model_, X_, ys_, theta, g, workspace, &runs_);
      },
      theta.size(), grad);
}

StartResult minimise_hyperparameters(
    const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>& objective,
    const Eigen::VectorXd& start, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
    const FitOptions& options) {
  const auto np = static_cast<unsigned>(start.size());
  struct State {
    const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>* f;
    Eigen::VectorXd best_x;
    double best = std::numeric_limits<double>::infinity();
    int evals = 0;
  } st{&objective, start.cwiseMax(lower).cwiseMin(upper), std::numeric_limits<double>::infinity(),
       0};

  GuardedNlopt guarded(nlopt::LD_LBFGS, np);
  nlopt::opt& opt = guarded.opt();
  opt.set_lower_bounds(std::vector<double>(lower.data(), lower.data() + np));
  opt.set_upper_bounds(std::vector<double>(upper.data(), upper.data() + np));
  opt.set_maxeval(options.max_evaluations);
  opt.set_ftol_rel(options.ftol_rel);
  opt.set_xtol_rel(options.xtol_rel);
  guarded.set_min_objective(
      [](unsigned n, const double* x, double* g, void* data) -> double {
        auto& s = *static_cast<State*>(data);
        const Eigen::Map<const Eigen::VectorXd> xm(x, n);
        Eigen::VectorXd th = xm, gv;
        const double v = (*s.f)(th, g ? &gv : nullptr);
        if (g) Eigen::Map<Eigen::VectorXd>(g, n) = gv;
        ++s.evals;
        if (v < s.best) {
          s.best = v;
          s.best_x = th;
        }
        return v;
      },
      &st);

  std::vector<double> x(st.best_x.data(), st.best_x.data() + np);
  double f = 0;
  StartResult r;
  r.status = static_cast<int>(guarded.optimize(x, f));  // on failure: keep the best seen
  if (st.evals == 0) st.best = objective(st.best_x, nullptr);
  r.x = st.best_x;
  r.value = st.best;
  r.iterations = st.evals;
  if (!(r.value < kFailedObjective)) {
    r.value = std::numeric_limits<double>::infinity();
    r.error = "the covariance could not be factorised anywhere this start visited";
  }
  return r;
}

StartResult GpFitProblem::solve(const Eigen::VectorXd& start) const {
  if (start.size() != model_.num_params())
    throw Error("gp-fit start has " + std::to_string(start.size()) + " entries, expected " +
                std::to_string(model_.num_params()));
  LikelihoodWorkspace workspace(model_,
                                X_);  // this start's buffers: no n x n allocation per evaluation
  return minimise_hyperparameters(
      [&](const Eigen::VectorXd& theta, Eigen::VectorXd* grad) {
        return objective(theta, grad, &workspace);
      },
      start, model_.lower(), model_.upper(), options_);
}

std::vector<Eigen::VectorXd> fit_start_points(const GpModel& model, Rng& rng,
                                              const std::optional<Eigen::VectorXd>& previous,
                                              int count) {
  if (count < 1) throw ConfigError("a GP fit needs at least one start");
  std::vector<Eigen::VectorXd> out;
  if (previous) {
    if (previous->size() != model.num_params())
      throw Error("previous GP hyperparameters have " + std::to_string(previous->size()) +
                  " entries, the model has " + std::to_string(model.num_params()));
    out.push_back(model.clamp(*previous));
  } else {
    out.push_back(model.clamp(model.initial()));
  }
  const auto& specs = model.specs();
  while (static_cast<int>(out.size()) < count) {
    Eigen::VectorXd t(model.num_params());
    for (int i = 0; i < model.num_params(); ++i)
      t[i] = specs[i].prior.sample(rng, specs[i].lower, specs[i].upper);
    out.push_back(t);
  }
  return out;
}

// Each phase is one Team run, and the ranking between them is a deterministic function of the
// first phase's results, so the answer stays the same on any rank count.

std::vector<StartResult> run_screened_starts(const FitProblemFactory& make,
                                             const std::vector<Eigen::VectorXd>& starts, Team& team,
                                             const FitOptions& options) {
  const bool screen =
      options.screen_evaluations > 0 && options.screen_evaluations < options.max_evaluations &&
      options.refine_starts >= 1 && options.refine_starts < static_cast<int>(starts.size());
  if (!screen) return team.run(*make(options), starts);
  FitOptions short_run = options;
  short_run.max_evaluations = options.screen_evaluations;
  std::vector<StartResult> results = team.run(*make(short_run), starts);
  std::vector<size_t> order(results.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return results[a].value < results[b].value; });
  order.resize(static_cast<size_t>(options.refine_starts));
  std::vector<Eigen::VectorXd> from;
  for (const size_t i : order) {
    // A start that failed everywhere it went has no point to continue from.
    if (!std::isfinite(results[i].value)) break;
    from.push_back(results[i].x);
  }
  if (from.empty()) return results;
  const std::vector<StartResult> refined = team.run(*make(options), from);
  for (size_t j = 0; j < refined.size(); ++j) {
    StartResult r = refined[j];
    r.iterations += results[order[j]].iterations;
    // L-BFGS keeps the best point it saw, and the refinement starts at the screened point: a
    // failed refinement (status < 0) still reports a value no worse than the screening's.
    if (!(r.value <= results[order[j]].value)) continue;
    results[order[j]] = std::move(r);
  }
  return results;
}

FitResult fit_gp(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                 Team& team, Rng& rng, const std::optional<Eigen::VectorXd>& previous,
                 const FitOptions& options, const RunEffect& runs) {
  check_training_data(X, y, model.dim());
  if (X.rows() == 0) throw Error("GP fit: no observations");
  const Standardizer st = Standardizer::fit(y);
  const Eigen::VectorXd ys = st.apply(y);
  const RunEffect runs_std = runs.standardised(st.scale);
  std::vector<Eigen::VectorXd> starts = fit_start_points(model, rng, previous, options.starts);
  const std::vector<StartResult> results = run_screened_starts(
      [&](const FitOptions& o) {
        return std::make_unique<GpFitProblem>(model, X, ys, o, runs_std);
      },
      starts, team, options);
  const size_t best = best_start(results);
  const Eigen::VectorXd theta = results[best].x;
  GaussianProcess gp(model, X, y, theta, st, runs);
  const double lml = gp.log_marginal_likelihood();
  return FitResult{std::move(gp),      theta, lml + model.log_prior(theta), lml, std::move(starts),
                   std::move(results), best};
}

}  // namespace mixbo
