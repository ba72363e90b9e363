#pragma once
// The log marginal likelihood of standardised outputs and its gradient wrt theta, sharing one
// Cholesky factorisation. The gradient needs K^-1 (0.5 tr((aa' - K^-1) dK/dtheta)); it is
// formed once, in place, from the factor (cholesky.hpp), and only when a gradient is asked for.
#include <Eigen/Core>

#include "mixbo/gp/gp_model.hpp"

namespace mixbo {

// log N(ys | m(X), s2 K(X,X) + noise I) with theta laid out as in gp_model.hpp. X has one
// feature row per observation, ys are already standardised. When grad != nullptr it is resized
// to theta's size and set to d LML / d theta (jitter, if any was needed, is held constant).
// Throws NumericalError if the covariance cannot be factorised.
double log_marginal_likelihood(const GpModel& model, const Eigen::MatrixXd& X,
                               const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                               Eigen::VectorXd* grad = nullptr);

// log_marginal_likelihood + model.log_prior (the MAP objective, maximised by fit_gp).
double log_posterior(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& ys,
                     const Eigen::VectorXd& theta, Eigen::VectorXd* grad = nullptr);

}  // namespace mixbo
