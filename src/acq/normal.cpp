#include "mixbo/acq/normal.hpp"

#include <cmath>
#include <numbers>

namespace mixbo {

namespace {
constexpr double kInvSqrt2Pi = 0.3989422804014327;       // 1 / sqrt(2 pi)
constexpr double kHalfLog2Pi = 0.91893853320467274178;   // log(2 pi) / 2
constexpr double kHalfLogPiOver2 = 0.22579135264472743;  // log(pi / 2) / 2
// Below this the 1 + z r of the erfcx branch cancels (relative error ~ eps z^2), while the
// three-term asymptote's truncation error (~105/z^6) is below rounding: switch there.
constexpr double kTailSwitch = -1000.0;

// log(1 - exp(x)) for x < 0 without cancellation (Maechler's switch at -log 2).
double log1mexp(double x) {
  return x > -std::numbers::ln2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}
}  // namespace

double normal_pdf(double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double erfcx(double x) {
  if (x < 0) return 2.0 * std::exp(x * x) - erfcx(-x);
  if (x < 4.0) return std::exp(x * x) * std::erfc(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))), evaluated
  // bottom-up; 60 levels converge to machine precision for x >= 4.
  double t = x;
  for (int n = 60; n >= 1; --n) t = x + 0.5 * n / t;
  return 1.0 / (std::sqrt(std::numbers::pi) * t);
}

double ei_h(double z) { return normal_pdf(z) + z * normal_cdf(z); }

double log_h(double z) {
  if (z > -1.0) return std::log(ei_h(z));
  if (z > kTailSwitch)
    return -0.5 * z * z - kHalfLog2Pi +
           log1mexp(std::log(erfcx(-z / std::numbers::sqrt2) * -z) + kHalfLogPiOver2);
  const double u = 1.0 / (z * z);
  return -0.5 * z * z - kHalfLog2Pi - 2.0 * std::log(-z) + std::log1p(u * (-3.0 + 15.0 * u));
}

double dlog_h(double z) {
  if (z > -1.0) return normal_cdf(z) / ei_h(z);
  if (z > kTailSwitch) {
    const double r = erfcx(-z / std::numbers::sqrt2) * std::sqrt(std::numbers::pi / 2);
    return r / (1.0 + z * r);
  }
  const double u = 1.0 / (z * z);
  return -z - 2.0 / z + (6.0 * u / z - 60.0 * u * u / z) / (1.0 + u * (-3.0 + 15.0 * u));
}

}  // namespace mixbo
