#pragma once
// Priors on GP hyperparameters. Every hyperparameter is optimised as an unconstrained real
// theta (log of a positive quantity, or the raw value for mean coefficients); a Prior is the
// density OF THETA. For LogNormal and Gamma that density includes the Jacobian of the log map:
//   LogNormal(mu, sigma) on v = exp(theta)  <=>  theta ~ Normal(mu, sigma);
//   Gamma(a, b) (shape a, rate b) on v = exp(theta)  =>  p(theta) = b^a / Gamma(a) v^a e^{-b v}.
// So MAP is the mode in the space the optimiser sees, and prior samples for multi-start
// initialisation come from the same density.
#include <string>

#include "mixbo/space/sampling.hpp"

namespace mixbo {

class Prior {
 public:
  enum class Kind { kNone, kNormal, kLogNormal, kGamma };

  Prior() = default;  // flat (contributes nothing; starts sample uniformly within bounds)
  static Prior none() { return Prior(); }
  static Prior normal(double mean, double sd);             // on theta itself (mean coefficients)
  static Prior log_normal(double mu, double sigma);        // on exp(theta)
  static Prior gamma(double shape, double rate);           // on exp(theta)
  static Prior from_parts(Kind kind, double a, double b);  // validated, for deserialisation

  Kind kind() const { return kind_; }
  double a() const { return a_; }
  double b() const { return b_; }
  bool is_flat() const { return kind_ == Kind::kNone; }

  // log p(theta) up to nothing (normalised) and its derivative; 0 for a flat prior.
  double log_density(double theta) const;
  double dlog_density(double theta) const;
  // A draw of theta, clamped into [lo, hi]; a flat prior draws uniformly in [lo, hi].
  double sample(Rng& rng, double lo, double hi) const;

  std::string describe() const;  // "lognormal(0, 1.5)", "gamma(1.1, 0.05)", "flat"

 private:
  Prior(Kind k, double a, double b) : kind_(k), a_(a), b_(b) {}
  Kind kind_ = Kind::kNone;
  double a_ = 0, b_ = 0;
};

}  // namespace mixbo
