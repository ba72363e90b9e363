#include "mixbo/sim/law_family.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "mixbo/core/error.hpp"
#include "mixbo/core/splitmix.hpp"

namespace mixbo {

namespace {

constexpr double kRefParams = 1e9, kRefSteps = 20000;

// Euclidean projection onto the probability simplex (Duchi et al. 2008).
Eigen::VectorXd project(const Eigen::VectorXd& v) {
  Eigen::VectorXd u = v;
  std::sort(u.data(), u.data() + u.size(), std::greater<double>());
  double cum = 0, theta = 0;
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    cum += u[j];
    const double t = (cum - 1) / static_cast<double>(j + 1);
    if (u[j] - t > 0) theta = t;
  }
  return (v.array() - theta).max(0.0).matrix();
}

Eigen::MatrixXd random_psd(int k, std::mt19937_64& rng, double lo, double hi) {
  std::normal_distribution<double> n01;
  std::uniform_real_distribution<double> u(lo, hi);
  Eigen::MatrixXd Q = Eigen::MatrixXd::NullaryExpr(k, k, [&] { return n01(rng); });
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(Q);
  const Eigen::MatrixXd O = qr.householderQ();
  Eigen::VectorXd ev(k);
  for (int i = 0; i < k; ++i) ev[i] = u(rng);
  return O * ev.asDiagonal() * O.transpose();
}

}  // namespace

LawFamilySimulator::LawFamilySimulator(std::uint64_t seed, int k, double target_params)
    : target_params_(target_params) {
  if (k < 2) throw ConfigError("simulator.type = law-family needs at least 2 domains");
  if (!(target_params > 0)) throw ConfigError("law-family: the target scale needs a size");
  std::mt19937_64 rng(seed * kGoldenGamma + 0x6c61772d66616dULL);  // "law-fam"
  std::uniform_real_distribution<double> u01;
  auto in = [&](double lo, double hi) { return lo + (hi - lo) * u01(rng); };
  m_.E = in(1.5, 2.0);
  m_.A = in(0.3, 0.8);
  m_.a = in(0.2, 0.4);
  m_.B = in(0.2, 0.6);
  m_.b = in(0.3, 0.6);
  m_.g = in(0.02, 0.10) * (m_.E + m_.A + m_.B);  // mixture effect: 2% .. 10% of the loss
  m_.c = in(0.0, 0.2);
  m_.d = in(0.0, 0.3);
  m_.tau = u01(rng);
  m_.on_face = u01(rng) < 0.5;
  // Optimum at the target: a Dirichlet(2) draw kept away from the faces, then one domain set
  // to 0 for a face optimum.
  std::gamma_distribution<double> gamma(2.0, 1.0);
  Eigen::VectorXd w(k);
  for (int i = 0; i < k; ++i) w[i] = gamma(rng);
  w /= w.sum();
  w = (0.05 + (1 - 0.05 * k) * w.array()).matrix();
  if (m_.on_face) {
    const int zero = static_cast<int>(rng() % static_cast<std::uint64_t>(k));
    w[zero] = 0;
    w /= w.sum();
  }
  m_.w_star = w;
  Eigen::VectorXd v(k);
  std::normal_distribution<double> n01;
  for (int i = 0; i < k; ++i) v[i] = n01(rng);
  v.array() -= v.mean();
  m_.drift = 0.25 * v / std::max(v.norm(), 1e-12);  // a shift of up to ~0.25 per decade
  m_.H = random_psd(k, rng, 0.5, 2.0);
  m_.H2 = random_psd(k, rng, 0.0, 1.0);
}

Eigen::VectorXd LawFamilySimulator::evaluate(const Eigen::VectorXd& w, double params,
                                             std::int64_t step) const {
  if (w.size() != m_.w_star.size())
    throw Error("law-family: mixture has " + std::to_string(w.size()) + " shares for " +
                std::to_string(m_.w_star.size()) + " domains");
  const double n = params / kRefParams,
               s = static_cast<double>(std::max<std::int64_t>(step, 1)) / kRefSteps;
  const double decades = std::abs(std::log10(params / target_params_));
  const double away = (1 - m_.tau) * decades;
  const Eigen::VectorXd opt = away > 0 ? project(m_.w_star + away * m_.drift) : m_.w_star;
  const Eigen::MatrixXd H = m_.H + away * m_.H2;
  const Eigen::VectorXd dw = w - opt;
  const double mix = m_.g * std::pow(n, -m_.c) * std::pow(s, -m_.d) * dw.dot(H * dw);
  Eigen::VectorXd out(1);
  out[0] = m_.E + m_.A * std::pow(n, -m_.a) + m_.B * std::pow(s, -m_.b) + mix;
  return out;
}

}  // namespace mixbo
