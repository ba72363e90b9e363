#pragma once
// The log marginal likelihood of standardised outputs and its gradient wrt theta, sharing one
// Cholesky factorisation. The gradient needs K^-1 (0.5 tr((aa' - K^-1) dK/dtheta)); it is
// formed once, in place, from the factor (cholesky.hpp), and only when a gradient is asked for;
// W = aa' - K^-1 then overwrites it (lower triangle), and every kernel parameter's trace term
// is an elementwise contraction of W with that parameter's dK (Kernel::add_param_gradient_lower).
#include <Eigen/Core>
#include <memory>

#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/run_effect.hpp"

namespace mixbo {

// What repeated evaluations on one input set X reuse (a fit evaluates the same X at many theta):
// the kernel's state for X (kernel.hpp) and the n x n covariance buffer, so an evaluation
// allocates no n x n matrix and the gradient pass reuses the value pass's kernel work.
// Bound to the model's kernel and to X at construction; one workspace per thread.
class LikelihoodWorkspace {
 public:
  LikelihoodWorkspace(const GpModel& model, const Eigen::MatrixXd& X);

 private:
  friend double log_marginal_likelihood(const GpModel&, const Eigen::MatrixXd&,
                                        const Eigen::VectorXd&, const Eigen::VectorXd&,
                                        Eigen::VectorXd*, LikelihoodWorkspace*, const RunEffect*);
  const Kernel* kernel_;
  const Eigen::MatrixXd* X_;
  std::unique_ptr<KernelState> state_;
  Eigen::MatrixXd K_;
};

// log N(ys | m(X), s2 K(X,X) + noise I + R) with theta laid out as in gp_model.hpp. X has one
// feature row per observation, ys are already standardised. R is the rows' run effect `runs`
// (run_effect.hpp), in the units of ys (RunEffect::standardised); none without one. It is
// declared, not fitted: no entry of the gradient is its. When grad != nullptr it is resized to
// theta's size and set to d LML / d theta (jitter, if any was needed, is held constant).
// Throws NumericalError if the covariance cannot be factorised. `workspace` (optional) must
// have been made for this model and this X; without one, a temporary one is used.
double log_marginal_likelihood(const GpModel& model, const Eigen::MatrixXd& X,
                               const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                               Eigen::VectorXd* grad = nullptr,
                               LikelihoodWorkspace* workspace = nullptr,
                               const RunEffect* runs = nullptr);

// log_marginal_likelihood + model.log_prior (the MAP objective, maximised by fit_gp).
double log_posterior(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& ys,
                     const Eigen::VectorXd& theta, Eigen::VectorXd* grad = nullptr,
                     LikelihoodWorkspace* workspace = nullptr, const RunEffect* runs = nullptr);

}  // namespace mixbo
