#pragma once
// Ridge regression from a mixture to the objective, RegMix's surrogate (RegMix itself uses
// LightGBM or a linear model; this is a linear model on a richer basis, solvable exactly):
//   features  w_i,  w_i w_j (i < j)   (Scheffe's quadratic mixture model)
//             log(w_i + 0.01)         (the power-law rise of the loss as a domain's share -> 0)
// standardised over the training rows, y centred, intercept unpenalised. The ridge penalty is
// chosen by exact leave-one-out cross-validation (hat-matrix shortcut through one SVD) over a
// log grid, and the LOO root mean squared error is kept as the model's error estimate.
#include <Eigen/Core>

namespace mixbo {

class MixtureRidge {
 public:
  // Rows of W are mixtures (k columns), y their objective values. Throws Error on fewer than 3
  // rows or non-finite values.
  static MixtureRidge fit(const Eigen::MatrixXd& W, const Eigen::VectorXd& y);

  double predict(const Eigen::VectorXd& w, Eigen::VectorXd* grad = nullptr) const;
  double lambda() const { return lambda_; }
  double loo_rmse() const { return loo_rmse_; }
  int num_features() const { return static_cast<int>(beta_.size()); }

  static constexpr double kLogOffset = 0.01;
  static Eigen::VectorXd features(const Eigen::VectorXd& w);
  // d features / d w, (num features) x k.
  static Eigen::MatrixXd feature_jacobian(const Eigen::VectorXd& w);

 private:
  Eigen::VectorXd mu_, sd_, beta_;
  double y_mean_ = 0, lambda_ = 0, loo_rmse_ = 0;
};

}  // namespace mixbo
