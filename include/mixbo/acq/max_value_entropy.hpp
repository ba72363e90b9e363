#pragma once
// Max-value entropy search for one run at any fidelity (Wang & Jegelka 2017; multi-fidelity:
// Takeno et al. 2020), in the moment-matched closed form of GIBBON (Moss, Leslie, Gonzalez &
// Rayson 2021, JMLR 22(235), eq. 9 for a batch of one): the information a run's observation y
// at mixture w (any scale and step budget) carries about the target's lowest loss f*,
//   I(w) = mean over samples f*_s of  -1/2 log(1 - rho^2 delta(gamma_s)),
//   gamma_s = (mu_T(w) - f*_s) / sigma_T(w),   delta(g) = lambda(g) (g + lambda(g)),
//   lambda(g) = phi(g) / Phi(g),   rho^2 = cov(f_T(w), y)^2 / (sigma_T^2(w) var(y)),
// where f_T is the target's latent loss at the same mixture (target scale, full steps).
// 1 - delta(gamma) is the variance of a standard normal truncated to values above -gamma (the
// target loss cannot be below f*), and 1 - rho^2 delta what that truncation leaves of y's
// variance; the Gaussian of that variance bounds the entropy of y given f* from above, so I is
// a lower bound of the mutual information that is exact as rho -> 0 and cheap enough for every
// raw candidate. Minimisation: f* is the minimum, the truncation is from below.
#include <Eigen/Core>
#include <cstdint>

#include "mixbo/gp/gaussian_process.hpp"

namespace mixbo {

// delta(g) = lambda (g + lambda), lambda = phi(g)/Phi(g) (in logs: log phi - log Phi for g >= 0,
// through erfcx below), kept within [0, 1 - 1e-12]; and d delta / d g = lambda (1 - delta) -
// delta (g + lambda). Below g = -30, where delta is within 1e-3 of 1 and the derivative within
// 1e-3 of 0, the derivative loses digits to the cancellation in g + lambda.
double truncation_delta(double gamma);
double truncation_delta_derivative(double gamma);

struct MaxValueInformation {
  // log I, I as above in nats; -inf when rho = 0. In logs because far above the sampled
  // minima I underflows (delta ~ phi(gamma) gamma) long before it stops ranking candidates,
  // as expected improvement does (normal.hpp).
  double log_value = 0;
  // Partials of log_value wrt mu_T, sigma_T^2, var(y) and cov(f_T, y) (when asked for).
  double dmu = 0, dvar_target = 0, dvar_run = 0, dcov = 0;
};

// var_target: latent variance of f_T(w); var_run: variance of y (latent + noise); cov: their
// covariance; every variance in the same (raw) units as mu_target and the samples.
MaxValueInformation max_value_information(double mu_target, double var_target, double var_run,
                                          double cov, const Eigen::VectorXd& min_samples,
                                          bool gradient);

// `count` draws of min_i f(C_i) from the GP's joint posterior over the feature rows of C (the
// target's candidate answers), seeded: Cholesky of the posterior covariance, with the GP's jitter
// escalation where needed. The discrete minimum stands in for the minimum over the simplex.
Eigen::VectorXd sample_minimum_values(const GaussianProcess& gp, const Eigen::MatrixXd& C,
                                      int count, std::uint64_t seed);

}  // namespace mixbo
