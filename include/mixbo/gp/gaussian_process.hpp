#pragma once
// An exact GP posterior for fixed hyperparameters. Construction factorises the covariance once
// (Cholesky with jitter escalation); queries then cost O(n^2) per point (mean: O(n)).
//
// Units: the constructor takes raw outputs y and standardises them (Standardizer::fit, unless
// one is given); every prediction, variance, gradient and covariance is returned in RAW output
// units. Variances are of the latent function f (no observation noise); add noise_variance()
// for the predictive variance of a new observation.
//
// Degenerate data: n = 1, duplicated inputs and constant outputs work (noise floor, jitter,
// unit scale). Non-finite y or X throw Error naming the observation index. n = 0 throws.
#include <Eigen/Core>
#include <optional>
#include <vector>

#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/run_effect.hpp"
#include "mixbo/par/bytes.hpp"

namespace mixbo {

struct Posterior {
  Eigen::VectorXd mean;      // raw units
  Eigen::VectorXd variance;  // latent variance, raw units^2, >= 0
};

struct PointGradient {
  double mean = 0, variance = 0;  // as Posterior, for this one point
  Eigen::VectorXd dmean;          // d mean / dx (feature space)
  Eigen::VectorXd dvariance;      // d variance / dx
};

class GaussianProcess {
 public:
  // X: n x model.dim() feature rows; y: n raw outputs; theta: model hyperparameters; runs: the
  // rows' run effect (run_effect.hpp; raw units), part of the noise: no prediction carries it.
  GaussianProcess(GpModel model, Eigen::MatrixXd X, const Eigen::VectorXd& y, Eigen::VectorXd theta,
                  std::optional<Standardizer> standardizer = std::nullopt, RunEffect runs = {});

  const GpModel& model() const { return model_; }
  const Eigen::VectorXd& theta() const { return theta_; }
  const Eigen::MatrixXd& X() const { return X_; }
  Eigen::VectorXd y() const;  // raw units
  const Standardizer& standardizer() const { return std_; }
  int n() const { return static_cast<int>(X_.rows()); }
  int dim() const { return model_.dim(); }
  double jitter() const { return jitter_; }  // standardised units, 0 if none was needed
  double noise_variance() const;             // raw units^2
  const RunEffect& run_effect() const { return runs_; }
  // The variance of a new run's reading about its latent value at raw output y: the noise
  // variance plus the run effect's (raw units^2); and its derivative in y.
  double new_run_noise(double y) const;
  double new_run_noise_derivative(double y) const;
  double log_marginal_likelihood() const;  // of the standardised outputs

  // Batch posterior at the rows of Xs.
  Posterior predict(const Eigen::MatrixXd& Xs) const;
  // The same from Kx = kernel().cross(p, X(), Xs) (unit scale, n x m), for callers that need
  // that cross-covariance themselves (the acquisitions): it is evaluated once.
  Posterior predict(const Eigen::MatrixXd& Xs, const Eigen::MatrixXd& Kx) const;
  // Mean, variance and their input gradients at one point.
  PointGradient predict_with_gradient(const Eigen::VectorXd& x) const;
  // The posterior mean alone (raw units), as predict()'s to the last bit, without the variance's
  // triangular solve: O(n) per point instead of O(n^2), for searches that read only the mean
  // (the recommendation, strategy/hull_minimize.hpp). mean_gradient: d mean / dx at one point, as
  // predict_with_gradient()'s dmean.
  Eigen::VectorXd mean(const Eigen::MatrixXd& Xs) const;
  Eigen::VectorXd mean_gradient(const Eigen::VectorXd& x) const;
  // The same from kx = kernel().cross(p, X(), x') (n) and dkx = kernel().input_gradient(p, x,
  // X()) (dim x n), both unit scale.
  PointGradient predict_with_gradient(const Eigen::VectorXd& x, const Eigen::VectorXd& kx,
                                      const Eigen::MatrixXd& dkx) const;
  // Posterior covariance cov(f(A_i), f(B_j)), |A| x |B|, raw units^2.
  Eigen::MatrixXd covariance(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) const;
  // Prior covariance of the raw outputs (s2 * scale^2 * k(A, B)): what the data has not changed.
  Eigen::MatrixXd prior_covariance(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) const;

  // (s2 K(X,X) + noise I + run effect)^-1 R in the standardised units of the factorised matrix (one
  // pair of triangular solves, O(n^2) per column): lets callers precompute cross-covariance terms
  // against a fixed point set, e.g. the acquisition's target points.
  Eigen::MatrixXd solve(const Eigen::MatrixXd& R) const;

  // The posterior after also observing y_new (raw units) at the rows of X_new, with the same
  // hyperparameters and standardisation: appends rows to the Cholesky factor in O(n^2 q), no
  // refactorisation (Kriging believer: pass predict(X_new).mean). With a run effect each new row
  // is a run of its own (a pending or chosen run), its shift's variance added to its noise.
  GaussianProcess fantasize(const Eigen::MatrixXd& X_new, const Eigen::VectorXd& y_new) const;

  // Exact round trip (factor included) so another MPI rank rebuilds the identical posterior.
  void serialize(ByteWriter& out) const;
  static GaussianProcess deserialize(ByteReader& in);

 private:
  GaussianProcess(GpModel model) : model_(std::move(model)) {}
  void finish();  // alpha_ from L_ and ys_

  GpModel model_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd ys_;  // standardised outputs
  Eigen::VectorXd theta_;
  Standardizer std_;
  RunEffect runs_;         // raw units
  Eigen::MatrixXd L_;      // lower Cholesky factor of s2 K + noise I + R (+ jitter)
  Eigen::VectorXd alpha_;  // (L L')^-1 (ys - m(X))
  double jitter_ = 0;
};

// Throws Error naming the first non-finite observation ("observation 7 ...").
void check_training_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int dim);

}  // namespace mixbo
