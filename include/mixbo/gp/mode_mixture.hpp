#pragma once
// Several hyperparameter optima of one GP model on the same rows, as one predictive model: each
// GP weighted by its posterior mass, exp(log marginal likelihood + log prior), normalised over
// the modes (a Laplace volume is not included: the modes' curvatures are not compared).
//
// Why: a MAP fit commits to one optimum even where the data cannot choose. On runs at the two
// smallest scales only, the default kernel's posterior has a mode in which the mixture effect
// decorrelates across scales and one in which it carries to the target, 0.6-1.4 nats apart
// (docs/decision-quality.md, session 38). Reweighting the fixed optima on each round's rows lets
// the first run at a new scale choose between them without a refit.
//
// The weights are computed on the rows the GPs hold, so every GP must hold the same rows (and
// standardise them alike: the log marginal likelihoods are of the standardised outputs).
#include <Eigen/Core>
#include <memory>
#include <vector>

#include "mixbo/gp/gaussian_process.hpp"

namespace mixbo {

class ModeMixture {
 public:
  // Modes whose weight falls below this share are dropped: they change no prediction.
  static constexpr double kMinWeight = 1e-6;
  // gps: at least one, all on the same rows. Throws Error on an empty list, on GPs with other
  // rows, or where no mode has a finite log posterior.
  explicit ModeMixture(std::vector<std::shared_ptr<const GaussianProcess>> gps);

  size_t size() const { return gps_.size(); }
  const GaussianProcess& gp(size_t i) const { return *gps_[i]; }
  double weight(size_t i) const { return weights_[i]; }
  // log posterior of mode i (LML + log prior, standardised outputs).
  double log_posterior(size_t i) const { return log_posteriors_[i]; }

  // The mixture's posterior mean at the rows of Xs (raw units) and its input gradient at one
  // point, as GaussianProcess::mean and mean_gradient.
  Eigen::VectorXd mean(const Eigen::MatrixXd& Xs) const;
  Eigen::VectorXd mean_gradient(const Eigen::VectorXd& x) const;

 private:
  std::vector<std::shared_ptr<const GaussianProcess>> gps_;
  std::vector<double> weights_;
  std::vector<double> log_posteriors_;
};

// The p-quantile (0 < p < 1) of sum_i weights_i N(means_i, sds_i^2), weights summing to 1, sds
// >= 0 (a zero sd is a point mass): bisection on the mixture's distribution function to 1e-12
// of the components' spread.
double gaussian_mixture_quantile(const std::vector<double>& weights,
                                 const std::vector<double>& means, const std::vector<double>& sds,
                                 double p);

}  // namespace mixbo
