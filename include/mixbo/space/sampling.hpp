#pragma once
// Seeded, reproducible samplers on the bounded simplex. Neither uses rejection, so tight bounds
// cannot stall them. Rows of the returned matrices are samples.
#include <Eigen/Core>
#include <cstdint>
#include <random>

#include "mixbo/space/simplex.hpp"

namespace mixbo {

using Rng = std::mt19937_64;

// An independent, reproducible stream for (seed, stream): e.g. (campaign seed, iteration), so a
// restarted campaign draws the same numbers it would have drawn without the restart.
Rng make_rng(std::uint64_t seed, std::uint64_t stream);

// Dirichlet(alpha) through Gamma(alpha_i, 1) draws, mapped onto the bounds by
// BoundedSimplex::from_unit (exactly Dirichlet when the simplex has no bounds).
Eigen::MatrixXd sample_dirichlet(const BoundedSimplex& s, const Eigen::VectorXd& alpha, int n,
                                 Rng& rng);
Eigen::MatrixXd sample_dirichlet(const BoundedSimplex& s, double alpha, int n, Rng& rng);

// A scrambled Sobol design (Boost.Random's sobol engine with a seeded digital shift) of
// dimension k-1, mapped to the unit simplex by the inverse-CDF stick-breaking transform (the
// uniform distribution's), then onto the bounds.
Eigen::MatrixXd sample_sobol(const BoundedSimplex& s, int n, std::uint64_t seed);

// Smallest pairwise Euclidean distance between rows (a space-filling score used by tests).
double min_pairwise_distance(const Eigen::MatrixXd& rows);

}  // namespace mixbo
