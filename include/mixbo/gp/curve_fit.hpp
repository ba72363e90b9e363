#pragma once
// MAP hyperparameter fit of the GP on every checkpoint (curve_gp.hpp): the same objective as
// fit_gp (log marginal likelihood + log prior of standardised outputs), the same starts
// (fit_start_points), the same screened L-BFGS (fit.hpp) and Team, on the runs x step-grid
// solver instead of an n x n Cholesky.
#include <Eigen/Core>
#include <optional>
#include <vector>

#include "mixbo/gp/curve_gp.hpp"
#include "mixbo/gp/fit.hpp"

namespace mixbo {

struct CurveFitResult {
  Eigen::VectorXd theta;
  double log_posterior = 0;
  double log_marginal_likelihood = 0;
  Standardizer standardizer;  // of the raw outputs; the fit saw standardised ones
  int rank = 0;               // eigenpairs of the steps kernel kept at theta
  std::vector<StartResult> starts;
  size_t best = 0;
};

// y: raw outputs in the order of grid's observations. Throws ConfigError if the model's kernel is
// not a product of a steps-free and a steps-only side (split_steps).
CurveFitResult fit_curve_gp(const GpModel& model, const CurveGrid& grid, const Eigen::VectorXd& y,
                            Team& team, Rng& rng,
                            const std::optional<Eigen::VectorXd>& previous = std::nullopt,
                            const FitOptions& options = {}, const CurveOptions& curve = {});

// One start of that fit (kind "curve-fit"); registered for MpiTeam reconstruction like gp-fit.
class CurveFitProblem final : public MultiStartProblem {
 public:
  CurveFitProblem(GpModel model, CurveGrid grid, Eigen::VectorXd ys, FitOptions options,
                  CurveOptions curve);
  std::string kind() const override { return "curve-fit"; }
  void serialize(ByteWriter& out) const override;
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in);
  StartResult solve(const Eigen::VectorXd& start) const override;
  // -log posterior and its gradient; kFailedObjective where the model cannot be factorised.
  double objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const;

 private:
  GpModel model_;
  StepSplit split_;
  CurveGrid grid_;
  Eigen::VectorXd ys_;
  FitOptions options_;
  CurveOptions curve_;
};

// The model's kernel split, or ConfigError saying what the curve GP needs.
StepSplit require_step_split(const GpModel& model);

}  // namespace mixbo
