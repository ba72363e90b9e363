#pragma once
// MAP hyperparameter fit: maximise log marginal likelihood + log prior over theta with NLopt
// L-BFGS (LD_LBFGS) inside the model's box bounds, from several starts run by a Team.
//
// Screened starts: most starts of a fit end in the same optimum (on the bench data all 16 did,
// after 36-94 evaluations each), so running every one to convergence spends most of the fit
// confirming it. Every start first runs `screen_evaluations` evaluations; the `refine_starts`
// best of them (ranked by the value reached, ties by start index) then continue from where they
// got to, up to `max_evaluations`. At n = 500 on the bench data this took 115-190 instead of
// 839 evaluations to the same optimum (bench/README.md). screen_evaluations = 0 runs every
// start to convergence.
//
// Starts are drawn HERE, on the caller's rank, from the caller's seeded Rng: start 0 is the
// previous optimum (clamped into the bounds) or, without one, the model's defaults; the others
// are prior samples (uniform within bounds for flat priors). Each start is solved by
// GpFitProblem::solve, which is deterministic in (problem, start), so the chosen optimum is
// bit-identical whatever Team (serial, MPI with any rank count) ran the starts.
#include <Eigen/Core>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/par/multistart.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

struct FitOptions {
  int starts = 16;             // total, including the previous optimum / defaults
  int max_evaluations = 400;   // per start
  double ftol_rel = 1e-10;     // NLopt relative tolerance on the objective
  double xtol_rel = 1e-8;      // NLopt relative tolerance on theta
  int screen_evaluations = 5;  // per start in the screening phase (0: no screening)
  int refine_starts = 2;       // starts continued to convergence after the screening
};

struct FitResult {
  GaussianProcess gp;                  // posterior at the best theta
  Eigen::VectorXd theta;               // best theta
  double log_posterior = 0;            // LML + log prior at theta (standardised outputs)
  double log_marginal_likelihood = 0;  // LML alone at theta
  std::vector<Eigen::VectorXd> start_points;
  // One per start point, same order; value = -log posterior. A refined start's result is its
  // refinement's, with the screening's evaluations included in `iterations`.
  std::vector<StartResult> starts;
  size_t best = 0;  // index into starts (best_start())
};

// y in raw units (standardised inside). `previous`: last fit's theta for this model, if any.
FitResult fit_gp(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                 Team& team, Rng& rng,
                 const std::optional<Eigen::VectorXd>& previous = std::nullopt,
                 const FitOptions& options = {}, const RunEffect& runs = {});

// Runs the starts screened (above): each phase is one Team run of the problem make(options)
// builds, with max_evaluations = screen_evaluations for the screening.
using FitProblemFactory = std::function<std::unique_ptr<MultiStartProblem>(const FitOptions&)>;
std::vector<StartResult> run_screened_starts(const FitProblemFactory& make,
                                             const std::vector<Eigen::VectorXd>& starts, Team& team,
                                             const FitOptions& options);

// One bounded L-BFGS run of a hyperparameter objective (value and gradient of what is
// minimised; kFailedObjective where it cannot be evaluated), as every fit start runs it.
StartResult minimise_hyperparameters(
    const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>& objective,
    const Eigen::VectorXd& start, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
    const FitOptions& options);

// What a fit minimises, from a log posterior (value; its gradient into the argument when that is
// not null) that throws NumericalError where it cannot be evaluated: its negation, or
// kFailedObjective with a zero gradient there and wherever it is not finite.
double negated_log_posterior(const std::function<double(Eigen::VectorXd*)>& log_posterior,
                             Eigen::Index size, Eigen::VectorXd* grad);

// The start points fit_gp uses (exposed for tests and for callers that run problems directly).
std::vector<Eigen::VectorXd> fit_start_points(const GpModel& model, Rng& rng,
                                              const std::optional<Eigen::VectorXd>& previous,
                                              int count);

// One MAP fit as a multi-start problem (kind "gp-fit"): minimises -log posterior of the
// standardised outputs ys. Registered for MpiTeam reconstruction in fit.cpp.
class GpFitProblem final : public MultiStartProblem {
 public:
  // runs: the rows' run effect in the units of ys (RunEffect::standardised).
  GpFitProblem(GpModel model, Eigen::MatrixXd X, Eigen::VectorXd ys, FitOptions options,
               RunEffect runs = {});
  std::string kind() const override { return "gp-fit"; }
  void serialize(ByteWriter& out) const override;
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in);
  StartResult solve(const Eigen::VectorXd& start) const override;

  // -log posterior and its gradient (what solve() minimises); +huge if the factorisation fails.
  // `workspace`, if given, must be made for this problem's model and inputs (solve() makes one).
  double objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad,
                   LikelihoodWorkspace* workspace = nullptr) const;

 private:
  GpModel model_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd ys_;
  FitOptions options_;
  RunEffect runs_;
};

}  // namespace mixbo
