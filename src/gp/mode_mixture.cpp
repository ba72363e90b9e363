#include "mixbo/gp/mode_mixture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mixbo/core/error.hpp"

namespace mixbo {

ModeMixture::ModeMixture(std::vector<std::shared_ptr<const GaussianProcess>> gps) {
  if (gps.empty()) throw Error("a mode mixture needs at least one GP");
  for (const auto& g : gps)
    if (g->n() != gps.front()->n() || g->X() != gps.front()->X())
      throw Error("the GPs of a mode mixture must hold the same rows");
  std::vector<double> lp;
  for (const auto& g : gps) {
    const double v = g->log_marginal_likelihood() + g->model().log_prior(g->theta());
    lp.push_back(std::isfinite(v) ? v : -std::numeric_limits<double>::infinity());
  }
  const double top = *std::max_element(lp.begin(), lp.end());
  if (!std::isfinite(top)) throw Error("no mode of the mixture has a finite log posterior");
  double total = 0;
  for (const double v : lp) total += std::exp(v - top);
  for (size_t i = 0; i < gps.size(); ++i) {
    const double w = std::exp(lp[i] - top) / total;
    if (w < kMinWeight) continue;
    gps_.push_back(std::move(gps[i]));
    weights_.push_back(w);
    log_posteriors_.push_back(lp[i]);
  }
  // Renormalise over the modes kept.
  double kept = 0;
  for (const double w : weights_) kept += w;
  for (double& w : weights_) w /= kept;
}

Eigen::VectorXd ModeMixture::mean(const Eigen::MatrixXd& Xs) const {
  Eigen::VectorXd v = Eigen::VectorXd::Zero(Xs.rows());
  for (size_t i = 0; i < gps_.size(); ++i) v += weights_[i] * gps_[i]->mean(Xs);
  return v;
}

Eigen::VectorXd ModeMixture::mean_gradient(const Eigen::VectorXd& x) const {
  Eigen::VectorXd g = Eigen::VectorXd::Zero(x.size());
  for (size_t i = 0; i < gps_.size(); ++i) g += weights_[i] * gps_[i]->mean_gradient(x);
  return g;
}

double gaussian_mixture_quantile(const std::vector<double>& weights,
                                 const std::vector<double>& means, const std::vector<double>& sds,
                                 double p) {
  if (weights.empty() || weights.size() != means.size() || weights.size() != sds.size())
    throw Error("gaussian_mixture_quantile: one weight, mean and sd per component");
  if (!(p > 0 && p < 1)) throw Error("gaussian_mixture_quantile: p must lie in (0, 1)");
  const auto cdf = [&](double t) {
    double c = 0;
    for (size_t i = 0; i < weights.size(); ++i)
      c += weights[i] * (sds[i] > 0 ? 0.5 * std::erfc((means[i] - t) / (sds[i] * std::sqrt(2.0)))
                                    : (t >= means[i] ? 1.0 : 0.0));
    return c;
  };
  // Every component's p-quantile lies within 10 sds of its mean (p >= 1e-23), so the mixture's
  // lies between the lowest and highest of those bounds.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, spread = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    lo = std::min(lo, means[i] - 10 * sds[i]);
    hi = std::max(hi, means[i] + 10 * sds[i]);
    spread = std::max(spread, sds[i]);
  }
  spread = std::max(spread, hi - lo);
  if (!(spread > 0)) return lo;  // every component a point mass at one value
  while (hi - lo > 1e-12 * spread) {
    const double mid = 0.5 * (lo + hi);
    (cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace mixbo
