#pragma once
// Standard-normal building blocks of the acquisitions, in forms that stay accurate far in the
// tails (Ament et al. 2023, "Unexpected Improvements to Expected Improvement for Bayesian
// Optimization", NeurIPS): expected improvement underflows to 0 long before its logarithm
// stops being informative, and a flat zero gives the optimiser nothing to follow.
namespace mixbo {

double normal_pdf(double z);
double normal_cdf(double z);
// Scaled complementary error function exp(x^2) erfc(x), accurate for every x (a continued
// fraction for x >= 4, where erfc itself underflows or exp(x^2) loses digits).
double erfcx(double x);

// h(z) = phi(z) + z Phi(z): EI = sigma * h((best - mu) / sigma) for minimisation.
double ei_h(double z);  // plain closed form (cancels badly for z < -5; tests compare to it)
// log h(z) in three branches: the closed form for z > -1; for -1000 < z <= -1 (Ament et al.)
//   log h = -z^2/2 - log(2 pi)/2 + log1mexp(log(erfcx(-z/sqrt2) |z|) + log(pi/2)/2);
// below that the asymptote -z^2/2 - log(2 pi)/2 - 2 log|z| + log(1 - 3/z^2 + 15/z^4), whose
// truncation error (~105/z^6) is below rounding there, while the erfcx form starts to cancel.
double log_h(double z);
// d log h / dz = Phi(z) / h(z) (= r / (1 + z r) with r = Phi/phi the Mills ratio; the derivative of
// the asymptote far in the tail).
double dlog_h(double z);

}  // namespace mixbo
