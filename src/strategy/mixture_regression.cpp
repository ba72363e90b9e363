#include "mixbo/strategy/mixture_regression.hpp"

#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

Eigen::VectorXd MixtureRidge::features(const Eigen::VectorXd& w) {
  const auto k = w.size();
  Eigen::VectorXd f(k + k * (k - 1) / 2 + k);
  Eigen::Index c = 0;
  for (Eigen::Index i = 0; i < k; ++i) f[c++] = w[i];
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = i + 1; j < k; ++j) f[c++] = w[i] * w[j];
  for (Eigen::Index i = 0; i < k; ++i) f[c++] = std::log(std::max(w[i], 0.0) + kLogOffset);
  return f;
}

Eigen::MatrixXd MixtureRidge::feature_jacobian(const Eigen::VectorXd& w) {
  const auto k = w.size();
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(k + k * (k - 1) / 2 + k, k);
  Eigen::Index c = 0;
  for (Eigen::Index i = 0; i < k; ++i) J(c++, i) = 1.0;
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = i + 1; j < k; ++j) {
      J(c, i) = w[j];
      J(c, j) = w[i];
      ++c;
    }
  for (Eigen::Index i = 0; i < k; ++i) J(c++, i) = w[i] > 0 ? 1.0 / (w[i] + kLogOffset) : 0.0;
  return J;
}

MixtureRidge MixtureRidge::fit(const Eigen::MatrixXd& W, const Eigen::VectorXd& y) {
  const auto n = W.rows();
  if (n < 3 || y.size() != n)
    throw Error("mixture regression needs at least 3 observations, got " + std::to_string(n));
  for (Eigen::Index i = 0; i < n; ++i)
    if (!std::isfinite(y[i]) || !W.row(i).allFinite())
      throw Error("mixture regression: observation " + std::to_string(i) + " is not finite");
  MixtureRidge m;
  Eigen::MatrixXd F(n, features(W.row(0).transpose()).size());
  for (Eigen::Index i = 0; i < n; ++i) F.row(i) = features(W.row(i).transpose()).transpose();
  m.mu_ = F.colwise().mean().transpose();
  m.sd_ = ((F.rowwise() - m.mu_.transpose()).array().square().colwise().mean().sqrt()).transpose();
  for (auto& s : m.sd_)
    if (!(s > 1e-12)) s = std::numeric_limits<double>::infinity();  // a constant feature: unused
  const Eigen::MatrixXd Z =
      ((F.rowwise() - m.mu_.transpose()).array().rowwise() / m.sd_.transpose().array()).matrix();
  m.y_mean_ = y.mean();
  const Eigen::VectorXd yc = (y.array() - m.y_mean_).matrix();

  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(Z, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd s = svd.singularValues();
  const Eigen::MatrixXd& U = svd.matrixU();
  const Eigen::VectorXd Uty = U.transpose() * yc;
  double best = std::numeric_limits<double>::infinity();
  // The centring removes one degree of freedom: leverage includes the intercept's 1/n.
  for (int g = 0; g <= 36; ++g) {
    const double lambda = std::pow(10.0, -6.0 + g * 0.25) * static_cast<double>(n);
    const Eigen::VectorXd shrink = (s.array().square() / (s.array().square() + lambda)).matrix();
    const Eigen::VectorXd fitted = U * shrink.cwiseProduct(Uty);
    const Eigen::VectorXd lev =
        (U.array().square().matrix() * shrink).array() + 1.0 / static_cast<double>(n);
    double sse = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double e = (yc[i] - fitted[i]) / std::max(1.0 - lev[i], 1e-8);
      sse += e * e;
    }
    if (sse < best) {
      best = sse;
      m.lambda_ = lambda;
      m.beta_ =
          svd.matrixV() * (s.array() / (s.array().square() + lambda)).matrix().cwiseProduct(Uty);
    }
  }
  m.loo_rmse_ = std::sqrt(best / static_cast<double>(n));
  return m;
}

double MixtureRidge::predict(const Eigen::VectorXd& w, Eigen::VectorXd* grad) const {
  const Eigen::VectorXd z = ((features(w) - mu_).array() / sd_.array()).matrix();
  const Eigen::VectorXd b = (beta_.array() / sd_.array()).matrix();  // per raw feature
  if (grad) *grad = feature_jacobian(w).transpose() * b;
  return y_mean_ + beta_.dot(z);
}

}  // namespace mixbo
