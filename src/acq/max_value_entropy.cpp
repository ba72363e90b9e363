#include "mixbo/acq/max_value_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "mixbo/acq/normal.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

namespace {
// delta -> 1 only as gamma -> -inf (the truncation keeps nothing); capping it keeps
// log(1 - rho^2 delta) finite when rho^2 rounds to 1 on a noiseless target run.
constexpr double kDeltaCap = 1 - 1e-12;
// rho^2 is clamped below this for the same reason.
constexpr double kRhoCap = 1 - 1e-12;

// log lambda(g), lambda = phi(g) / Phi(g): for g >= 0 from log phi - log Phi (Phi in [1/2, 1],
// so lambda may underflow here but its logarithm does not); below, sqrt(2/pi) / erfcx(-g/sqrt2).
double log_inverse_mills(double g) {
  if (g >= 0) return -0.5 * g * g - 0.5 * std::log(2 * std::numbers::pi) - std::log(normal_cdf(g));
  return 0.5 * std::log(2 / std::numbers::pi) - std::log(erfcx(-g / std::numbers::sqrt2));
}

struct Delta {
  double log_delta;  // log delta(g)
  double dlog;       // d log delta / d g
};

Delta log_truncation_delta(double g) {
  const double log_lambda = log_inverse_mills(g);
  const double lambda = std::exp(log_lambda);
  const double gl = g + lambda;  // > 0 for every g
  const double log_delta = log_lambda + std::log(gl);
  if (log_delta >= std::log(kDeltaCap)) return {std::log(kDeltaCap), 0.0};
  const double delta = std::exp(log_delta);
  // d delta / d g / delta = (1 - delta) / (g + lambda) - (g + lambda), since lambda' = -delta.
  return {log_delta, (1 - delta) / gl - gl};
}
}  // namespace

double truncation_delta(double gamma) { return std::exp(log_truncation_delta(gamma).log_delta); }

double truncation_delta_derivative(double gamma) {
  const Delta d = log_truncation_delta(gamma);
  return std::exp(d.log_delta) * d.dlog;
}

MaxValueInformation max_value_information(double mu_target, double var_target, double var_run,
                                          double cov, const Eigen::VectorXd& min_samples,
                                          bool gradient) {
  MaxValueInformation out;
  out.log_value = -std::numeric_limits<double>::infinity();
  if (min_samples.size() == 0) throw Error("max-value entropy: no samples of the minimum");
  // Nothing to learn (no target variance), no run variance, or no correlation: I = 0.
  if (!(var_target > 0) || !(var_run > 0) || cov == 0) return out;
  const double raw_rho2 = cov * cov / (var_target * var_run);
  const bool capped = raw_rho2 >= kRhoCap;
  const double log_rho2 = std::log(capped ? kRhoCap : raw_rho2);
  const double sigma = std::sqrt(var_target);
  const auto m = min_samples.size();
  // Per sample: log I_s, r_s = t_s / (2 (1 - t_s) I_s) with t_s = rho^2 delta_s (the factor
  // that turns d log t_s into d log I_s), gamma_s and d log delta_s / d gamma_s.
  Eigen::ArrayXd log_i(m), r(m), gamma(m), dlog_delta(m);
  for (Eigen::Index s = 0; s < m; ++s) {
    gamma[s] = (mu_target - min_samples[s]) / sigma;
    const Delta d = log_truncation_delta(gamma[s]);
    dlog_delta[s] = d.dlog;
    const double log_t = log_rho2 + d.log_delta;
    const double t = std::exp(log_t);
    // I_s = -log1p(-t) / 2 = t/2 (1 + t/2 + t^2/3 + ...): the series where t is tiny.
    log_i[s] = t < 1e-8 ? log_t - std::log(2.0) + 0.5 * t : std::log(-0.5 * std::log1p(-t));
    r[s] = std::exp(log_t - std::log(2.0) - std::log1p(-t) - log_i[s]);
  }
  const double top = log_i.maxCoeff();
  const Eigen::ArrayXd weight = (log_i - top).exp();
  const double total = weight.sum();
  out.log_value = top + std::log(total / static_cast<double>(m));
  if (gradient) {
    const Eigen::ArrayXd omega = weight / total;              // d log I = sum_s omega_s d log I_s
    const double via_rho = capped ? 0.0 : (omega * r).sum();  // d log I / d log rho^2
    const double via_gamma = (omega * r * dlog_delta).sum();  // sum_s omega_s d log I_s/d gamma_s
    const double via_gamma_g = (omega * r * dlog_delta * gamma).sum();
    out.dmu = via_gamma / sigma;
    out.dvar_target = -via_gamma_g / (2 * var_target) - via_rho / var_target;
    out.dvar_run = -via_rho / var_run;
    out.dcov = 2 * via_rho / cov;
  }
  return out;
}

Eigen::VectorXd sample_minimum_values(const GaussianProcess& gp, const Eigen::MatrixXd& C,
                                      int count, std::uint64_t seed) {
  if (C.rows() == 0 || count <= 0) throw Error("max-value entropy: no candidates to sample");
  const Eigen::VectorXd mu = gp.mean(C);
  // Candidates close together make the covariance singular to rounding: the GP's own jitter
  // escalation (cholesky.hpp) factors it or throws a NumericalError.
  Eigen::MatrixXd L = gp.covariance(C, C);
  cholesky_in_place(L, "max-value entropy: posterior covariance of the candidate answers");
  Rng rng = make_rng(seed, 0);
  std::normal_distribution<double> n01;
  Eigen::MatrixXd Z(C.rows(), count);
  for (Eigen::Index j = 0; j < Z.cols(); ++j)
    for (Eigen::Index i = 0; i < Z.rows(); ++i) Z(i, j) = n01(rng);
  const Eigen::MatrixXd F = (L.triangularView<Eigen::Lower>() * Z).colwise() + mu;
  return F.colwise().minCoeff().transpose();
}

}  // namespace mixbo
