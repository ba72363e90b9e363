#pragma once
// The BiMix data-mixing law (Ge et al. 2024) fitted to ONE measured objective.
//
// BiMix models domain i's validation loss after s steps of training on proportions r as
//   L_i(r_i, s) = A_i / r_i^{alpha_i} * (B_i / s^{beta_i} + C_i).
// A campaign measures one aggregate objective y = sum_i c_i L_i (its metric weights c_i, e.g. one
// domain's loss or the training-mixture loss). Only the products A_i B_i and A_i C_i (times c_i)
// are identifiable from such data, so the law is fitted in the aggregate form
//   y(w, s) = E + sum_i w_i^{-alpha_i} (P_i * t^{-beta_i} + Q_i),   t = s / s_ref,
// P_i = c_i A_i B_i, Q_i = c_i A_i C_i, with s_ref the campaign's full step count (so P_i + Q_i
// is domain i's term at full length and w_i = 1). E (absent from BiMix, whose losses have no
// offset) absorbs the irreducible loss and lets a negated (maximised) objective be fitted. A
// single-domain objective is the special case in which the other domains' P, Q fall towards
// their lower bounds.
//
// The fit minimises the mean squared residual divided by the variance of y (scale-free) by
// variable projection (Golub and Pereyra 1973): for fixed exponents the law is linear in
// (P, Q, E), so those are solved exactly, P, Q >= 0 by non-negative least squares with E free
// (core/nonnegative_least_squares.hpp), and NLopt L-BFGS searches only
// theta = [log alpha (k), log beta (k)] within box bounds, from several starts run as a
// MultiStartProblem (kind "bimix-law-fit") by a Team. The gradient with respect to theta is the
// residual's at the inner minimiser (the envelope theorem). Fitting all 4k + 1 coefficients
// jointly (sessions 5-16) stopped at its evaluation cap in nearly every start, in local optima
// that moved with the rounding of the data (a 1e-13 relative change in y moved the law's
// minimiser by up to 0.09 in a share); the projected problem has half the dimensions, no
// badly scaled linear directions, and converges.
#include <Eigen/Core>
#include <vector>

#include "mixbo/par/multistart.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

struct BimixLaw {
  Eigen::VectorXd alpha, beta, P, Q;  // per domain
  double E = 0;
  double s_ref = 1;  // steps that t = s / s_ref is measured against

  int k() const { return static_cast<int>(alpha.size()); }
  // Predicted objective at mixture w after `steps` steps; grad (if given) = d/dw.
  double predict(const Eigen::VectorXd& w, double steps, Eigen::VectorXd* grad = nullptr) const;

  // The fit's parameters: [log alpha, log beta].
  Eigen::VectorXd exponents() const;
};

// Observations of the objective: rows of W are mixtures, steps[i] the checkpoint, y[i] the value.
struct BimixData {
  Eigen::MatrixXd W;
  Eigen::VectorXd steps, y;
};

struct BimixFit {
  BimixLaw law;
  double rmse = 0;  // root mean squared residual, objective units
  std::vector<StartResult> starts;
};

// Throws Error when there are fewer observations than coefficients (4k + 1) or y is not finite.
BimixFit fit_bimix_law(const BimixData& data, double s_ref, Team& team, Rng& rng, int starts = 8,
                       int max_evaluations = 1000);

class BimixLawFitProblem final : public MultiStartProblem {
 public:
  BimixLawFitProblem(BimixData data, double s_ref, int max_evaluations);
  std::string kind() const override { return "bimix-law-fit"; }
  void serialize(ByteWriter& out) const override;
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in);
  StartResult solve(const Eigen::VectorXd& start) const override;

  // The law with exponents theta = [log alpha, log beta] and its best P, Q, E for them.
  BimixLaw law(const Eigen::VectorXd& theta) const;
  // Scaled squared error of law(theta) and its gradient with respect to theta.
  double objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const;
  Eigen::VectorXd lower() const;
  Eigen::VectorXd upper() const;

 private:
  BimixData d_;
  double s_ref_;
  int max_evaluations_;
  double y_scale_;  // variance of y (>0), the objective's normaliser
  // Fixed by the data, so taken once rather than per evaluation: log of each share (n x k,
  // floored at the law's smallest share) and log of each checkpoint's t = steps / s_ref.
  Eigen::ArrayXXd log_w_;
  Eigen::ArrayXd log_t_;

  // Per observation j and domain i: u = w^-alpha and v = t^-beta (n x k each).
  struct Powers {
    Eigen::ArrayXXd u, v;
  };
  Powers powers(const Eigen::VectorXd& theta) const;
  // The law's coefficients for these exponents (the inner least-squares problem).
  BimixLaw solve_linear(const Eigen::VectorXd& theta, const Powers& p) const;
};

}  // namespace mixbo
