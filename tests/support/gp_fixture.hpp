#pragma once
// The GP test fixture shared by the GP, kernel and MPI tests: the kernel context, the simplex of
// k domains named a, b, c, ... and feature rows [w_1..w_k, log params, log steps] with
// Dirichlet mixtures (the two generators the tests use; each test's numbers depend on them, so
// they live here once).
#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/kernel.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/space/simplex.hpp"

namespace mixbo::test {

// The number of mixture domains of the GP, acquisition and simulator tests' small problems.
inline constexpr int kK = 3;

// k mixture columns, a 1B-parameter target scale.
inline KernelContext gp_context(int k) {
  KernelContext c;
  c.k = k;
  c.target_log_params = std::log(1e9);
  return c;
}

inline BoundedSimplex letter_simplex(int k) {
  std::vector<std::string> names;
  for (int i = 0; i < k; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
  return BoundedSimplex(names);
}

// Scales drawn continuously in log params strictly below the target (2e7 .. 7e8), steps in
// 100 .. 20000.
inline Eigen::MatrixXd continuous_features(int n, int k, std::uint64_t seed) {
  Rng rng = make_rng(seed, 0);
  Eigen::MatrixXd X(n, k + 2);
  X.leftCols(k) = sample_dirichlet(letter_simplex(k), 1.0, n, rng);
  std::uniform_real_distribution<double> lp(std::log(2e7), std::log(7e8));
  std::uniform_real_distribution<double> ls(std::log(100.0), std::log(20000.0));
  for (int i = 0; i < n; ++i) {
    X(i, k) = lp(rng);
    X(i, k + 1) = ls(rng);
  }
  return X;
}

// Scales from a ladder (20M, 60M, 150M, 1B) and steps 1000 .. 8000, as a campaign's features.
inline Eigen::MatrixXd ladder_features(int n, int k, std::uint64_t seed) {
  Rng rng = make_rng(seed, 0);
  Eigen::MatrixXd X(n, k + 2);
  X.leftCols(k) = sample_dirichlet(letter_simplex(k), 1.0, n, rng);
  std::uniform_int_distribution<int> sc(0, 3), st(1, 8);
  const double scales[] = {2e7, 6e7, 1.5e8, 1e9};
  for (int i = 0; i < n; ++i) {
    X(i, k) = std::log(scales[sc(rng)]);
    X(i, k + 1) = std::log(1000.0 * st(rng));
  }
  return X;
}

// A model's initial hyperparameters, each moved by a N(0, 0.3) draw: a theta away from every
// default, for checks that must not pass by a default's symmetry.
inline Eigen::VectorXd perturbed(const GpModel& m, std::uint64_t seed) {
  Rng rng = make_rng(seed, 2);
  std::normal_distribution<double> nd(0, 0.3);
  Eigen::VectorXd t = m.initial();
  for (auto& v : t) v += nd(rng);
  return t;
}

}  // namespace mixbo::test
