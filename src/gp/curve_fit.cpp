#include "mixbo/gp/curve_fit.hpp"

#include "mixbo/core/error.hpp"

namespace mixbo {

StepSplit require_step_split(const GpModel& model) {
  auto split = split_steps(model.kernel_ptr());
  if (!split)
    throw ConfigError(
        "the GP on every checkpoint needs a kernel that is a product of factors on "
        "the mixture and scale and factors on the steps, e.g. matern52(mixture) * "
        "rbf(scale) * expdecay(steps); got " +
        model.kernel().expression());
  return *std::move(split);
}

CurveFitProblem::CurveFitProblem(GpModel model, CurveGrid grid, Eigen::VectorXd ys,
                                 FitOptions options, CurveOptions curve)
    : model_(std::move(model)),
      split_(require_step_split(model_)),
      grid_(std::move(grid)),
      ys_(std::move(ys)),
      options_(options),
      curve_(curve) {}

namespace {

void put_ints(ByteWriter& out, const std::vector<int>& v) {
  out.put<std::uint64_t>(v.size());
  for (const int x : v) out.put<std::int32_t>(x);
}

std::vector<int> get_ints(ByteReader& in) {
  std::vector<int> v(in.get<std::uint64_t>());
  for (int& x : v) x = in.get<std::int32_t>();
  return v;
}

}  // namespace

void CurveFitProblem::serialize(ByteWriter& out) const {
  model_.serialize(out);
  out.put(grid_.runs);
  out.put(grid_.steps);
  put_ints(out, grid_.run);
  put_ints(out, grid_.step);
  out.put(ys_);
  out.put<std::int32_t>(options_.max_evaluations);
  out.put<double>(options_.ftol_rel);
  out.put<double>(options_.xtol_rel);
  out.put<double>(curve_.truncation);
  out.put<std::int32_t>(curve_.max_rank);
}

std::unique_ptr<MultiStartProblem> CurveFitProblem::deserialize(ByteReader& in) {
  GpModel model = GpModel::deserialize(in);
  CurveGrid grid;
  grid.runs = in.get_matrix();
  grid.steps = in.get_matrix();
  grid.run = get_ints(in);
  grid.step = get_ints(in);
  Eigen::VectorXd ys = in.get_vector();
  FitOptions o;
  o.max_evaluations = in.get<std::int32_t>();
  o.ftol_rel = in.get<double>();
  o.xtol_rel = in.get<double>();
  CurveOptions c;
  c.truncation = in.get<double>();
  c.max_rank = in.get<std::int32_t>();
  return std::make_unique<CurveFitProblem>(std::move(model), std::move(grid), std::move(ys), o, c);
}

double CurveFitProblem::objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const {
  return negated_log_posterior(
      [&](Eigen::VectorXd* g) {
        return curve_log_posterior(model_, split_, grid_, ys_, theta, g, curve_);
      },
      theta.size(), grad);
}

StartResult CurveFitProblem::solve(const Eigen::VectorXd& start) const {
  if (start.size() != model_.num_params())
    throw Error("curve-fit start has " + std::to_string(start.size()) + " entries, expected " +
                std::to_string(model_.num_params()));
  return minimise_hyperparameters([this](const Eigen::VectorXd& theta,
                                         Eigen::VectorXd* grad) { return objective(theta, grad); },
                                  start, model_.lower(), model_.upper(), options_);
}

CurveFitResult fit_curve_gp(const GpModel& model, const CurveGrid& grid, const Eigen::VectorXd& y,
                            Team& team, Rng& rng, const std::optional<Eigen::VectorXd>& previous,
                            const FitOptions& options, const CurveOptions& curve) {
  if (grid.n() == 0) throw Error("curve GP fit: no observations");
  check_training_data(grid.rows(), y, model.dim());
  const StepSplit split = require_step_split(model);
  CurveFitResult out;
  out.standardizer = Standardizer::fit(y);
  const Eigen::VectorXd ys = out.standardizer.apply(y);
  const std::vector<Eigen::VectorXd> starts =
      fit_start_points(model, rng, previous, options.starts);
  out.starts = run_screened_starts(
      [&](const FitOptions& o) {
        return std::make_unique<CurveFitProblem>(model, grid, ys, o, curve);
      },
      starts, team, options);
  out.best = best_start(out.starts);
  out.theta = out.starts[out.best].x;
  const CurveGp gp(model, split, grid, ys, out.theta, curve);
  out.log_marginal_likelihood = gp.log_marginal_likelihood();
  out.log_posterior = out.log_marginal_likelihood + model.log_prior(out.theta);
  out.rank = gp.rank();
  return out;
}

}  // namespace mixbo
