#include "mixbo/gp/likelihood.hpp"

#include <cmath>
#include <numbers>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"

namespace mixbo {

double log_marginal_likelihood(const GpModel& model, const Eigen::MatrixXd& X,
                               const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                               Eigen::VectorXd* grad) {
  if (theta.size() != model.num_params())
    throw Error("GP hyperparameter vector has " + std::to_string(theta.size()) +
                " entries, the model needs " + std::to_string(model.num_params()));
  const Eigen::Index n = X.rows();
  const Kernel& kern = model.kernel();
  const Eigen::VectorXd p = model.kernel_params(theta);
  const double s2 = model.signal_variance(theta);
  const double noise = model.noise_variance(theta);

  const Eigen::VectorXd r = ys - model.mean(theta, X);
  Eigen::MatrixXd K = kern.gram(p, X);
  K *= s2;
  K.diagonal().array() += noise;
  const double jitter = cholesky_in_place(K, "GP marginal likelihood");
  const auto L = K.triangularView<Eigen::Lower>();

  Eigen::VectorXd alpha = r;
  L.solveInPlace(alpha);
  K.transpose().triangularView<Eigen::Upper>().solveInPlace(alpha);
  const double lml = -0.5 * r.dot(alpha) - K.diagonal().array().log().sum() -
                     0.5 * static_cast<double>(n) * std::log(2 * std::numbers::pi);
  if (!grad) return lml;

  grad->setZero(theta.size());
  inverse_from_cholesky_in_place(K);  // lower triangle: K^-1
  const double tr_kinv = K.diagonal().sum();
  const double a2 = alpha.squaredNorm();
  const double total_noise = noise + jitter;

  // W = alpha alpha' - K^-1, formed in place over K^-1 (all n^2 entries, symmetric).
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j; i < n; ++i) K(i, j) = alpha[i] * alpha[j] - K(i, j);
  mirror_lower_to_upper(K);

  // d/dlog s2: 0.5 tr(W s2 Kk) with s2 Kk = Kfull - (noise + jitter) I and Kfull alpha = r.
  (*grad)[model.signal_index()] =
      0.5 * (r.dot(alpha) - total_noise * a2 - static_cast<double>(n) + total_noise * tr_kinv);
  // d/dtheta_noise: noise = floor + exp(theta), so dK = exp(theta) I.
  (*grad)[model.noise_index()] = 0.5 * std::exp(theta[model.noise_index()]) * (a2 - tr_kinv);
  (*grad)[model.mean_index()] = alpha.sum();
  if (model.options().linear_mean)
    grad->segment(model.mean_index() + 1, model.dim()) = X.transpose() * alpha;

  if (model.num_kernel_params() > 0) {
    K *= 0.5 * s2;
    kern.add_param_gradient(p, X, K, grad->head(model.num_kernel_params()));
  }
  return lml;
}

double log_posterior(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& ys,
                     const Eigen::VectorXd& theta, Eigen::VectorXd* grad) {
  const double lml = log_marginal_likelihood(model, X, ys, theta, grad);
  return lml + model.log_prior(theta, grad);
}

}  // namespace mixbo
