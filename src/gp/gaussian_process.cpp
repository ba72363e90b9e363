#include "mixbo/gp/gaussian_process.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"

namespace mixbo {

void check_training_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int dim) {
  if (X.rows() != y.size())
    throw Error("GP data: " + std::to_string(X.rows()) + " input rows but " +
                std::to_string(y.size()) + " outputs");
  if (X.cols() != dim)
    throw Error("GP data: inputs have " + std::to_string(X.cols()) +
                " feature columns, the kernel expects " + std::to_string(dim));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      std::ostringstream o;
      o << "GP data: observation " << i << " has a non-finite output (" << y[i] << ")";
      throw Error(o.str());
    }
    if (!X.row(i).allFinite())
      throw Error("GP data: observation " + std::to_string(i) + " has non-finite input features");
  }
}

GaussianProcess::GaussianProcess(GpModel model, Eigen::MatrixXd X, const Eigen::VectorXd& y,
                                 Eigen::VectorXd theta, std::optional<Standardizer> standardizer,
                                 RunEffect runs)
    : model_(std::move(model)), X_(std::move(X)), theta_(std::move(theta)), runs_(std::move(runs)) {
  check_training_data(X_, y, model_.dim());
  if (X_.rows() == 0) throw Error("GP data: no observations");
  if (theta_.size() != model_.num_params())
    throw Error("GP hyperparameters: " + std::to_string(theta_.size()) + " given, model needs " +
                std::to_string(model_.num_params()));
  if (!theta_.allFinite()) throw Error("GP hyperparameters are not finite");
  if (!runs_.empty() && static_cast<Eigen::Index>(runs_.run().size()) != X_.rows())
    throw Error("GP run effect: " + std::to_string(runs_.run().size()) + " rows, the data " +
                std::to_string(X_.rows()));
  std_ = standardizer ? *standardizer : Standardizer::fit(y);
  ys_ = std_.apply(y);
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  L_ = model_.kernel().gram(p, X_);
  L_ *= model_.signal_variance(theta_);
  L_.diagonal().array() += model_.noise_variance(theta_);
  runs_.standardised(std_.scale).add_to(L_, false);
  jitter_ = cholesky_in_place(L_, "GP posterior");
  finish();
}

void GaussianProcess::finish() {
  alpha_ = ys_ - model_.mean(theta_, X_);
  const auto L = L_.triangularView<Eigen::Lower>();
  L.solveInPlace(alpha_);
  L_.transpose().triangularView<Eigen::Upper>().solveInPlace(alpha_);
}

Eigen::VectorXd GaussianProcess::y() const {
  return (ys_.array() * std_.scale + std_.mean).matrix();
}

double GaussianProcess::noise_variance() const {
  return model_.noise_variance(theta_) * std_.scale * std_.scale;
}

double GaussianProcess::new_run_noise(double y) const {
  return noise_variance() + runs_.variance_at(y);
}

double GaussianProcess::new_run_noise_derivative(double y) const {
  return 2 * runs_.loading_at(y) * runs_.dloading_at(y);
}

double GaussianProcess::log_marginal_likelihood() const {
  const Eigen::VectorXd r = ys_ - model_.mean(theta_, X_);
  return -0.5 * r.dot(alpha_) - L_.diagonal().array().log().sum() -
         0.5 * static_cast<double>(n()) * std::log(2 * std::numbers::pi);
}

Posterior GaussianProcess::predict(const Eigen::MatrixXd& Xs) const {
  if (Xs.cols() != dim())
    throw Error("GP predict: points have " + std::to_string(Xs.cols()) + " columns, expected " +
                std::to_string(dim()));
  return predict(Xs, model_.kernel().cross(model_.kernel_params(theta_), X_, Xs));
}

Posterior GaussianProcess::predict(const Eigen::MatrixXd& Xs, const Eigen::MatrixXd& Kx) const {
  if (Xs.cols() != dim() || Kx.rows() != n() || Kx.cols() != Xs.rows())
    throw Error("GP predict: cross-covariance is " + std::to_string(Kx.rows()) + " x " +
                std::to_string(Kx.cols()) + ", expected " + std::to_string(n()) + " x " +
                std::to_string(Xs.rows()));
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  const double s2 = model_.signal_variance(theta_);
  Eigen::MatrixXd V = Kx * s2;  // n x m
  Posterior out;
  out.mean = model_.mean(theta_, Xs) + V.transpose() * alpha_;
  L_.triangularView<Eigen::Lower>().solveInPlace(V);
  out.variance =
      (s2 * model_.kernel().diagonal(p, Xs).array() - V.colwise().squaredNorm().transpose().array())
          .max(0.0)
          .matrix();
  const double sc = std_.scale;
  out.mean = (out.mean.array() * sc + std_.mean).matrix();
  out.variance *= sc * sc;
  return out;
}

Eigen::VectorXd GaussianProcess::mean(const Eigen::MatrixXd& Xs) const {
  if (Xs.cols() != dim())
    throw Error("GP mean: points have " + std::to_string(Xs.cols()) + " columns, expected " +
                std::to_string(dim()));
  const Eigen::MatrixXd V =
      model_.kernel().cross(model_.kernel_params(theta_), X_, Xs) * model_.signal_variance(theta_);
  const Eigen::VectorXd m = model_.mean(theta_, Xs) + V.transpose() * alpha_;
  return (m.array() * std_.scale + std_.mean).matrix();
}

Eigen::VectorXd GaussianProcess::mean_gradient(const Eigen::VectorXd& x) const {
  if (x.size() != dim())
    throw Error("GP mean gradient: point has " + std::to_string(x.size()) + " features, expected " +
                std::to_string(dim()));
  const Eigen::MatrixXd dks =
      model_.signal_variance(theta_) *
      model_.kernel().input_gradient(model_.kernel_params(theta_), x, X_);  // d x n
  return (model_.mean_gradient(theta_) + dks * alpha_) * std_.scale;
}

PointGradient GaussianProcess::predict_with_gradient(const Eigen::VectorXd& x) const {
  if (x.size() != dim())
    throw Error("GP gradient: point has " + std::to_string(x.size()) + " features, expected " +
                std::to_string(dim()));
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  return predict_with_gradient(x, model_.kernel().cross(p, X_, x.transpose()).col(0),
                               model_.kernel().input_gradient(p, x, X_));
}

PointGradient GaussianProcess::predict_with_gradient(const Eigen::VectorXd& x,
                                                     const Eigen::VectorXd& kx,
                                                     const Eigen::MatrixXd& dkx) const {
  if (x.size() != dim() || kx.size() != n() || dkx.rows() != dim() || dkx.cols() != n())
    throw Error("GP gradient: cross-covariance sizes do not match " + std::to_string(n()) +
                " observations of " + std::to_string(dim()) + " features");
  const Kernel& kern = model_.kernel();
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  const double s2 = model_.signal_variance(theta_);
  const Eigen::MatrixXd xr = x.transpose();
  const Eigen::VectorXd ks = s2 * kx;    // n
  const Eigen::MatrixXd dks = s2 * dkx;  // d x n
  Eigen::VectorXd v = ks;                // -> K^-1 k*
  const auto L = L_.triangularView<Eigen::Lower>();
  L.solveInPlace(v);
  const double reduction = v.squaredNorm();
  L_.transpose().triangularView<Eigen::Upper>().solveInPlace(v);

  PointGradient g;
  const double sc = std_.scale;
  g.mean = (model_.mean(theta_, xr)[0] + ks.dot(alpha_)) * sc + std_.mean;
  g.variance = std::max(0.0, s2 * kern.diagonal(p, xr)[0] - reduction) * sc * sc;
  g.dmean = (model_.mean_gradient(theta_) + dks * alpha_) * sc;
  g.dvariance = (s2 * kern.diagonal_gradient(p, x) - 2.0 * dks * v) * (sc * sc);
  return g;
}

Eigen::MatrixXd GaussianProcess::prior_covariance(const Eigen::MatrixXd& A,
                                                  const Eigen::MatrixXd& B) const {
  const double sc = std_.scale;
  return model_.kernel().cross(model_.kernel_params(theta_), A, B) *
         (model_.signal_variance(theta_) * sc * sc);
}

Eigen::MatrixXd GaussianProcess::covariance(const Eigen::MatrixXd& A,
                                            const Eigen::MatrixXd& B) const {
  if (A.cols() != dim() || B.cols() != dim())
    throw Error("GP covariance: points must have " + std::to_string(dim()) + " feature columns");
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  const double s2 = model_.signal_variance(theta_);
  const auto L = L_.triangularView<Eigen::Lower>();
  Eigen::MatrixXd VA = model_.kernel().cross(p, X_, A) * s2;
  L.solveInPlace(VA);
  Eigen::MatrixXd C = model_.kernel().cross(p, A, B) * s2;
  if (&A == &B) {
    C.noalias() -= VA.transpose() * VA;
  } else {
    Eigen::MatrixXd VB = model_.kernel().cross(p, X_, B) * s2;
    L.solveInPlace(VB);
    C.noalias() -= VA.transpose() * VB;
  }
  return C * (std_.scale * std_.scale);
}

Eigen::MatrixXd GaussianProcess::solve(const Eigen::MatrixXd& R) const {
  if (R.rows() != n())
    throw Error("GP solve: right-hand side has " + std::to_string(R.rows()) + " rows, expected " +
                std::to_string(n()));
  Eigen::MatrixXd out = R;
  L_.triangularView<Eigen::Lower>().solveInPlace(out);
  L_.transpose().triangularView<Eigen::Upper>().solveInPlace(out);
  return out;
}

GaussianProcess GaussianProcess::fantasize(const Eigen::MatrixXd& X_new,
                                           const Eigen::VectorXd& y_new) const {
  check_training_data(X_new, y_new, dim());
  const Eigen::Index n = X_.rows(), q = X_new.rows();
  GaussianProcess out(model_);
  out.theta_ = theta_;
  out.std_ = std_;
  if (q == 0) {
    out.X_ = X_;
    out.ys_ = ys_;
    out.L_ = L_;
    out.alpha_ = alpha_;
    out.jitter_ = jitter_;
    out.runs_ = runs_;
    return out;
  }
  const Eigen::VectorXd p = model_.kernel_params(theta_);
  const double s2 = model_.signal_variance(theta_);

  out.X_.resize(n + q, dim());
  out.X_.topRows(n) = X_;
  out.X_.bottomRows(q) = X_new;
  out.ys_.resize(n + q);
  out.ys_.head(n) = ys_;
  out.ys_.tail(q) = std_.apply(y_new);

  // [L 0; L21 L22] with L L21' = K12 and L22 L22' = K22 - L21 L21'.
  Eigen::MatrixXd B = model_.kernel().cross(p, X_, X_new) * s2;  // n x q
  L_.triangularView<Eigen::Lower>().solveInPlace(B);             // B = L21'
  Eigen::MatrixXd S = model_.kernel().gram(p, X_new) * s2;
  S.diagonal().array() += model_.noise_variance(theta_);
  out.runs_ = runs_.with_new_runs(y_new);
  if (!runs_.empty())
    for (Eigen::Index j = 0; j < q; ++j)
      S(j, j) += runs_.variance_at(y_new[j]) / (std_.scale * std_.scale);
  S.noalias() -= B.transpose() * B;
  mirror_lower_to_upper(S);
  const double jitter = cholesky_in_place(S, "GP fantasy update");

  out.L_.resize(n + q, n + q);
  out.L_.topLeftCorner(n, n) = L_;
  out.L_.topRightCorner(n, q) = B;  // upper part is never read; keep the cross-covariance
  out.L_.bottomLeftCorner(q, n) = B.transpose();
  out.L_.bottomRightCorner(q, q) = S;
  out.jitter_ = std::max(jitter_, jitter);
  out.finish();
  return out;
}

void GaussianProcess::serialize(ByteWriter& out) const {
  out.put<std::uint32_t>(0x47500002);  // "GP" format 2 (1 had no run effect)
  model_.serialize(out);
  out.put(X_);
  out.put(ys_);
  out.put(theta_);
  out.put<double>(std_.mean);
  out.put<double>(std_.scale);
  out.put<double>(jitter_);
  out.put(L_);
  out.put(alpha_);
  runs_.serialize(out);
}

GaussianProcess GaussianProcess::deserialize(ByteReader& in) {
  if (in.get<std::uint32_t>() != 0x47500002) throw Error("not a serialized GP (bad tag)");
  GaussianProcess gp(GpModel::deserialize(in));
  gp.X_ = in.get_matrix();
  gp.ys_ = in.get_vector();
  gp.theta_ = in.get_vector();
  gp.std_.mean = in.get<double>();
  gp.std_.scale = in.get<double>();
  gp.jitter_ = in.get<double>();
  gp.L_ = in.get_matrix();
  gp.alpha_ = in.get_vector();
  gp.runs_ = RunEffect::deserialize(in);
  const auto n = gp.X_.rows();
  if (gp.ys_.size() != n || gp.L_.rows() != n || gp.L_.cols() != n || gp.alpha_.size() != n ||
      gp.X_.cols() != gp.model_.dim() || gp.theta_.size() != gp.model_.num_params())
    throw Error("serialized GP has inconsistent sizes");
  return gp;
}

}  // namespace mixbo
