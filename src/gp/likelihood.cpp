#include "mixbo/gp/likelihood.hpp"

#include <Eigen/Cholesky>
#include <cmath>
#include <numbers>
#include <optional>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"

namespace mixbo {

LikelihoodWorkspace::LikelihoodWorkspace(const GpModel& model, const Eigen::MatrixXd& X)
    : kernel_(&model.kernel()),
      X_(&X),
      state_(model.kernel().make_state(X)),
      K_(X.rows(), X.rows()) {}

double log_marginal_likelihood(const GpModel& model, const Eigen::MatrixXd& X,
                               const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                               Eigen::VectorXd* grad, LikelihoodWorkspace* workspace,
                               const RunEffect* runs) {
  if (theta.size() != model.num_params())
    throw Error("GP hyperparameter vector has " + std::to_string(theta.size()) +
                " entries, the model needs " + std::to_string(model.num_params()));
  std::optional<LikelihoodWorkspace> local;
  if (!workspace) workspace = &local.emplace(model, X);
  if (workspace->kernel_ != &model.kernel() || workspace->X_ != &X)
    throw Error("GP likelihood: the workspace was made for another model or input set");
  const Eigen::Index n = X.rows();
  const Kernel& kern = model.kernel();
  const Eigen::VectorXd p = model.kernel_params(theta);
  const double s2 = model.signal_variance(theta);
  const double noise = model.noise_variance(theta);

  if (runs && !runs->empty() && static_cast<Eigen::Index>(runs->run().size()) != n)
    throw Error("GP likelihood: the run effect has " + std::to_string(runs->run().size()) +
                " rows, the data " + std::to_string(n));
  const Eigen::VectorXd r = ys - model.mean(theta, X);
  Eigen::MatrixXd& K = workspace->K_;
  kern.gram_lower(p, *workspace->state_, K);
  for (Eigen::Index j = 0; j < n; ++j) K.col(j).tail(n - j) *= s2;
  K.diagonal().array() += noise;
  if (runs) runs->add_to(K, true);
  // Factorise the lower triangle in place. On failure (or a non-finite factor: NaN passes LLT's
  // pivot test) rebuild the full matrix and let cholesky_in_place escalate the jitter or throw.
  double jitter = 0;
  {
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(K);
    if (llt.info() != Eigen::Success || !K.diagonal().allFinite()) {
      kern.gram_lower(p, *workspace->state_, K);
      for (Eigen::Index j = 0; j < n; ++j) K.col(j).tail(n - j) *= s2;
      K.diagonal().array() += noise;
      if (runs) runs->add_to(K, true);
      mirror_lower_to_upper(K);
      jitter = cholesky_in_place(K, "GP marginal likelihood");
    }
  }
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

  // d/dlog s2: 0.5 tr(W s2 Kk) with s2 Kk = Kfull - (noise + jitter) I - R and Kfull alpha = r.
  const double run_terms = runs ? runs->trace_with_lower(K) - runs->quadratic_form(alpha) : 0.0;
  (*grad)[model.signal_index()] = 0.5 * (r.dot(alpha) - total_noise * a2 - static_cast<double>(n) +
                                         total_noise * tr_kinv + run_terms);
  // d/dtheta_noise: noise = floor + exp(theta), so dK = exp(theta) I.
  (*grad)[model.noise_index()] = 0.5 * std::exp(theta[model.noise_index()]) * (a2 - tr_kinv);
  (*grad)[model.mean_index()] = alpha.sum();
  if (model.options().linear_mean)
    grad->segment(model.mean_index() + 1, model.dim()) = model.mean_design(X).transpose() * alpha;

  if (model.num_kernel_params() > 0) {
    // 0.5 s2 W = 0.5 s2 (alpha alpha' - K^-1), over K^-1's lower triangle in place.
    const double h = 0.5 * s2;
    for (Eigen::Index j = 0; j < n; ++j)
      K.col(j).tail(n - j) = h * (alpha.tail(n - j) * alpha[j] - K.col(j).tail(n - j));
    kern.add_param_gradient_lower(p, *workspace->state_, K, grad->head(model.num_kernel_params()));
  }
  return lml;
}

double log_posterior(const GpModel& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& ys,
                     const Eigen::VectorXd& theta, Eigen::VectorXd* grad,
                     LikelihoodWorkspace* workspace, const RunEffect* runs) {
  const double lml = log_marginal_likelihood(model, X, ys, theta, grad, workspace, runs);
  return lml + model.log_prior(theta, grad);
}

}  // namespace mixbo
