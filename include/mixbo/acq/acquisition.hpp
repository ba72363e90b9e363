#pragma once
// Acquisition functions of the BO strategies: value and gradient with respect to the mixture w
// at a fixed (scale, step budget) pair. Every value is MAXIMISED. Features are
// x = [w_1..w_k, log params, log steps] (SearchSpace::features), so d/dw is the first k entries
// of the feature gradient. mu, sigma^2 are the GP's posterior mean and latent variance (raw
// units, lower objective is better), `best` the pair's incumbent (pair_incumbents below).
//
//   logei               log EI = log sigma + log h(z), z = (best - mu) / sigma, h(z) =
//                       phi(z) + z Phi(z) in the stable form of normal.hpp (Ament et al. 2023).
//                       Single-fidelity: evaluated at the target pair only.
//   ucb                 beta * sigma - mu (the lower confidence bound of a minimisation,
//                       negated), beta = 2. Single-fidelity: target pair only.
//   ei-per-cost         the paper's rule: log EI - alpha_t log cost(scale, steps), i.e.
//                       EI / cost^alpha_t, alpha_t = 0.99^t (t = round), maximised over w for
//                       every (scale, step budget) pair and over the pairs. EI at a pair is
//                       against that pair's incumbent: the lowest posterior mean at that pair
//                       over the mixtures observed so far (a noise-robust "best seen", defined
//                       also at pairs nobody has run yet).
//   target-ei-per-cost  value of a run by what it teaches about the TARGET (target scale, full
//                       steps), per unit cost: a one-step lookahead knowledge gradient over a
//                       fixed set T of J target points t_j = (w'_j, target, max steps),
//                         KG(x) = E_y[min_j mu_j - min_j mu_j(x, y)]
//                               = E[max_j (a_j + b_j Z)] - max_j a_j,
//                         a_j = -mu(t_j),  b_j = cov(f(t_j), f(x)) / sqrt(sigma^2(x) + noise),
//                       i.e. the expected drop of the best predicted target loss over T after
//                       observing y at x (knowledge_gradient.hpp computes it exactly), and
//                         value = log KG(x) - alpha_t log cost(scale, steps),
//                       i.e. KG / cost^alpha_t with the paper's schedule alpha_t = 0.99^t: per
//                       unit cost early, and increasingly the plain lookahead value later
//                       (cost-normalised KG alone keeps buying the cheapest runs forever).
//                       cov(f(t_j), f(x)) comes from the GP posterior covariance, with the
//                       O(n^2 J) part solved once per GP so that a value costs O(n^2 + n J).
//                       When KG is exactly 0 (no line of the envelope ever overtakes) the value
//                       is kNoAcquisitionValue (core/failure_values.hpp) with a zero gradient.
//   mes-per-cost        value of a run by what its observation tells about the target's lowest
//                       loss f* (max-value entropy search, max_value_entropy.hpp: GIBBON's
//                       moment-matched form, over samples of f* drawn from the GP's joint
//                       posterior at the target), per unit cost on the same schedule:
//                         value = log I(x) - alpha_t log cost(scale, steps),
//                       I from mu, sigma^2 of the target at the run's mixture, the run's
//                       variance (latent + noise) and their posterior covariance.
//   posterior-mean      -mu (internal: the recommendation's minimiser of the target mean).
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/core/registry.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/par/bytes.hpp"

namespace mixbo {

enum class AcqKind { kLogEi, kUcb, kEiPerCost, kTargetEiPerCost, kMesPerCost, kPosteriorMean };

// The acquisitions a config may name (strategy.acquisition), by name (core/registry.hpp; an
// entry's factory is its kind), and their parser: an unknown name is a ConfigError that lists
// the known ones.
const Registry<AcqKind>& acquisition_registry();
AcqKind parse_acquisition(const std::string& name);
std::string acquisition_name(AcqKind kind);
// Whether the acquisition compares runs across (scale, steps) pairs (otherwise: target only).
bool is_multi_fidelity(AcqKind kind);

// One (scale, step budget) at which w is optimised.
struct AcqPair {
  int scale = 0;
  std::int64_t steps = 0;
  double log_params = 0, log_steps = 0;  // feature columns k and k+1
  double log_cost = 0;                   // log cost(scale, steps)
  double incumbent = 0;                  // EI's best value at this pair (raw units)
};

struct AcqSpec {
  AcqKind kind = AcqKind::kTargetEiPerCost;
  double alpha = 1.0;       // cost exponent alpha_t (ei-per-cost, target-ei-per-cost)
  double beta = 2.0;        // ucb
  Eigen::MatrixXd targets;  // target-ei-per-cost: feature rows of T
  // mes-per-cost: samples of the target's lowest loss (raw units), and the target's feature
  // columns k, k + 1 (log params, log steps), at which f_T(w) is read.
  Eigen::VectorXd min_samples;
  double target_log_params = 0, target_log_steps = 0;
  std::vector<AcqPair> pairs;

  void serialize(ByteWriter& out) const;
  static AcqSpec deserialize(ByteReader& in);
};

// incumbent of every pair = min over the rows of `observed_w` of the posterior mean there.
void set_pair_incumbents(const GaussianProcess& gp, const Eigen::MatrixXd& observed_w,
                         AcqSpec& spec);

class Acquisition {
 public:
  Acquisition(std::shared_ptr<const GaussianProcess> gp, AcqSpec spec);

  const AcqSpec& spec() const { return spec_; }
  const GaussianProcess& gp() const { return *gp_; }
  int k() const { return gp_->dim() - 2; }

  // Value at mixture w (length k) for pair `pair`; grad (if given) receives d value / d w.
  double value(int pair, const Eigen::VectorXd& w, Eigen::VectorXd* grad = nullptr) const;
  // Values at the rows of W (m x k), batched (no gradients).
  Eigen::VectorXd values(int pair, const Eigen::MatrixXd& W) const;

 private:
  Eigen::VectorXd features(int pair, const Eigen::VectorXd& w) const;
  Eigen::VectorXd target_features(const Eigen::VectorXd& w) const;
  double mes_value(int pair, const Eigen::VectorXd& w, Eigen::VectorXd* grad) const;
  Eigen::VectorXd mes_values(int pair, const Eigen::MatrixXd& X) const;
  double from_moments(int pair, double mu, double var, const Eigen::VectorXd& cov_t, double* dmu,
                      double* dvar, Eigen::VectorXd* dcov_t) const;

  std::shared_ptr<const GaussianProcess> gp_;
  AcqSpec spec_;
  // target-ei-per-cost: G = (s2 K + noise)^-1 s2 k(X, T) and a = -mu(T).
  Eigen::MatrixXd G_;
  Eigen::VectorXd a_;
  // The kernel evaluations against X are made here once per point (or candidate block) and
  // shared by the posterior (GaussianProcess::predict from them) and the target covariances.
  // No K^-1 is formed: the posterior variance is one triangular solve per point.
  Eigen::VectorXd kparams_;
  double amp_ = 1;  // s2 * scale^2: unit-scale kernel -> raw units^2
};

}  // namespace mixbo
