#include "mixbo/gp/prior.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <sstream>

#include "mixbo/core/error.hpp"

namespace mixbo {

Prior Prior::normal(double mean, double sd) {
  if (!(sd > 0)) throw ConfigError("normal prior needs sd > 0");
  return Prior(Kind::kNormal, mean, sd);
}
Prior Prior::log_normal(double mu, double sigma) {
  if (!(sigma > 0)) throw ConfigError("lognormal prior needs sigma > 0");
  return Prior(Kind::kLogNormal, mu, sigma);
}
Prior Prior::gamma(double shape, double rate) {
  if (!(shape > 0) || !(rate > 0)) throw ConfigError("gamma prior needs shape > 0 and rate > 0");
  return Prior(Kind::kGamma, shape, rate);
}

Prior Prior::from_parts(Kind kind, double a, double b) {
  switch (kind) {
    case Kind::kNone:
      return Prior();
    case Kind::kNormal:
      return normal(a, b);
    case Kind::kLogNormal:
      return log_normal(a, b);
    case Kind::kGamma:
      return gamma(a, b);
  }
  throw Error("unknown prior kind " + std::to_string(static_cast<int>(kind)));
}

double Prior::log_density(double theta) const {
  switch (kind_) {
    case Kind::kNone:
      return 0.0;
    case Kind::kNormal:
    case Kind::kLogNormal: {
      const double z = (theta - a_) / b_;
      return -0.5 * z * z - std::log(b_) - 0.5 * std::log(2 * std::numbers::pi);
    }
    case Kind::kGamma:
      return a_ * std::log(b_) - std::lgamma(a_) + a_ * theta - b_ * std::exp(theta);
  }
  return 0.0;
}

double Prior::dlog_density(double theta) const {
  switch (kind_) {
    case Kind::kNone:
      return 0.0;
    case Kind::kNormal:
    case Kind::kLogNormal:
      return -(theta - a_) / (b_ * b_);
    case Kind::kGamma:
      return a_ - b_ * std::exp(theta);
  }
  return 0.0;
}

double Prior::sample(Rng& rng, double lo, double hi) const {
  double t = 0;
  switch (kind_) {
    case Kind::kNone: {
      std::uniform_real_distribution<double> u(lo, hi);
      return u(rng);
    }
    case Kind::kNormal:
    case Kind::kLogNormal: {
      std::normal_distribution<double> d(a_, b_);
      t = d(rng);
      break;
    }
    case Kind::kGamma: {
      // theta = log v with v ~ Gamma(a + 1, b) has density prop. to v^a e^{-bv} in theta
      // (the Jacobian-included density above).
      std::gamma_distribution<double> d(a_ + 1.0, 1.0 / b_);
      t = std::log(std::max(d(rng), 1e-300));
      break;
    }
  }
  return std::clamp(t, lo, hi);
}

std::string Prior::describe() const {
  std::ostringstream o;
  switch (kind_) {
    case Kind::kNone:
      o << "flat";
      break;
    case Kind::kNormal:
      o << "normal(" << a_ << ", " << b_ << ")";
      break;
    case Kind::kLogNormal:
      o << "lognormal(" << a_ << ", " << b_ << ")";
      break;
    case Kind::kGamma:
      o << "gamma(" << a_ << ", " << b_ << ")";
      break;
  }
  return o.str();
}

}  // namespace mixbo
