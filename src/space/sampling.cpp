#include "mixbo/space/sampling.hpp"

#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>

#include "mixbo/core/error.hpp"

namespace mixbo {

Rng make_rng(std::uint64_t seed, std::uint64_t stream) {
  // splitmix64's finaliser without its last xor-shift (core/splitmix.hpp has the whole one):
  // nearby (seed, stream) pairs give unrelated engine seeds. Completing it would change every
  // seeded stream, and with it every recorded campaign and bench figure.
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + stream + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  std::seed_seq seq{static_cast<std::uint32_t>(z), static_cast<std::uint32_t>(z >> 32)};
  return Rng(seq);
}

Eigen::MatrixXd sample_dirichlet(const BoundedSimplex& s, const Eigen::VectorXd& alpha, int n,
                                 Rng& rng) {
  const int k = s.dim();
  if (alpha.size() != k || (alpha.array() <= 0).any())
    throw Error("Dirichlet concentration must be positive, one per domain");
  Eigen::MatrixXd out(n, k);
  Eigen::VectorXd g(k);
  for (int r = 0; r < n; ++r) {
    for (int i = 0; i < k; ++i) {
      std::gamma_distribution<double> gamma(alpha[i], 1.0);
      g[i] = gamma(rng);
    }
    double sum = g.sum();
    if (!(sum > 0)) g.setConstant(1.0), sum = k;  // all draws underflowed (tiny alpha)
    out.row(r) = s.from_unit(g / sum).transpose();
  }
  return out;
}

Eigen::MatrixXd sample_dirichlet(const BoundedSimplex& s, double alpha, int n, Rng& rng) {
  return sample_dirichlet(s, Eigen::VectorXd::Constant(s.dim(), alpha), n, rng);
}

Eigen::MatrixXd sample_sobol(const BoundedSimplex& s, int n, std::uint64_t seed) {
  const int k = s.dim();
  const int d = k - 1;
  boost::random::sobol engine(static_cast<std::size_t>(d));
  using word = boost::random::sobol::result_type;
  // A random digital shift keeps the net's stratification and decorrelates seeds.
  Rng rng(seed);
  std::vector<word> shift(static_cast<size_t>(d));
  for (auto& v : shift) v = static_cast<word>(rng());
  const double scale = std::ldexp(1.0, -std::numeric_limits<word>::digits);
  Eigen::MatrixXd out(n, k);
  Eigen::VectorXd u(k);
  for (int r = 0; r < n; ++r) {
    double rest = 1.0;
    for (int i = 0; i < d; ++i) {
      const word bits = engine() ^ shift[static_cast<size_t>(i)];
      const double q = (static_cast<double>(bits) + 0.5) * scale;
      // Inverse CDF of Beta(1, d - i): the uniform distribution's stick-breaking marginal.
      const double frac = 1.0 - std::pow(1.0 - q, 1.0 / (d - i));
      u[i] = rest * frac;
      rest -= u[i];
    }
    u[d] = std::max(rest, 0.0);
    out.row(r) = s.from_unit(u / u.sum()).transpose();
  }
  return out;
}

double min_pairwise_distance(const Eigen::MatrixXd& rows) {
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < rows.rows(); ++i)
    for (Eigen::Index j = i + 1; j < rows.rows(); ++j)
      best = std::min(best, (rows.row(i) - rows.row(j)).norm());
  return best;
}

}  // namespace mixbo
