#include "mixbo/core/nonnegative_least_squares.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <string>
#include <vector>

#include "mixbo/core/error.hpp"

namespace mixbo {

NonnegativeLeastSquares solve_nonnegative_least_squares(const Eigen::MatrixXd& A,
                                                        const Eigen::VectorXd& b) {
  if (A.rows() != b.size())
    throw Error("non-negative least squares: " + std::to_string(A.rows()) + " rows but " +
                std::to_string(b.size()) + " values");
  if (!A.allFinite() || !b.allFinite())
    throw Error("non-negative least squares: non-finite matrix or right-hand side");
  const Eigen::Index n = A.cols();
  NonnegativeLeastSquares out;
  out.x = Eigen::VectorXd::Zero(n);
  if (n == 0) return out;

  // Unit-length columns: the optimality test below compares a_j^T r across columns, and the
  // normal equations of scaled columns are better conditioned.
  const Eigen::VectorXd norm = A.colwise().norm().transpose();
  const Eigen::VectorXd d =
      norm.unaryExpr([](double v) { return v > 0 ? 1.0 / v : 0.0; });  // zero column: x_j = 0
  const Eigen::MatrixXd As = A * d.asDiagonal();
  const Eigen::MatrixXd G = As.transpose() * As;
  const Eigen::VectorXd c = As.transpose() * b;
  const double tol = 1e-11 * std::max(b.norm(), 1e-300);

  std::vector<bool> passive(static_cast<size_t>(n), false), blocked(static_cast<size_t>(n), false);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  // Least squares on the passive columns (the rest held at 0); LDLT's pivoting tolerates exactly
  // collinear columns (a zero pivot gives that variable 0).
  const auto solve_passive = [&]() {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < n; ++j)
      if (passive[static_cast<size_t>(j)]) idx.push_back(j);
    Eigen::VectorXd s = Eigen::VectorXd::Zero(n);
    if (idx.empty()) return s;
    const Eigen::VectorXd sp = G(idx, idx).ldlt().solve(c(idx));
    s(idx) = sp;
    return s;
  };

  const int max_iterations = 3 * static_cast<int>(n) + 10;
  for (;;) {
    const Eigen::VectorXd w = c - G * x;  // -gradient / 2: a_j^T (b - A x) in scaled units
    Eigen::Index j = -1;
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto u = static_cast<size_t>(i);
      if (passive[u] || blocked[u] || d[i] == 0 || !(w[i] > tol)) continue;
      if (j < 0 || w[i] > w[j]) j = i;
    }
    if (j < 0) break;  // Kuhn-Tucker conditions hold: done
    if (out.iterations == max_iterations) {
      out.converged = false;
      break;
    }
    ++out.iterations;
    passive[static_cast<size_t>(j)] = true;
    bool moved = false;
    for (Eigen::Index inner = 0; inner <= n; ++inner) {
      const Eigen::VectorXd s = solve_passive();
      bool feasible = true;
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[static_cast<size_t>(i)] && !(s[i] > 0)) feasible = false;
      if (feasible) {
        x = s;
        moved = true;
        break;
      }
      if (inner == 0 && !(s[j] > 0)) {
        // Rounding says j helps (w_j > tol) but its least-squares weight is not positive: take
        // it out again and do not pick it until something else has moved (no cycling).
        passive[static_cast<size_t>(j)] = false;
        blocked[static_cast<size_t>(j)] = true;
        break;
      }
      // Step from x towards s until the first passive variable reaches 0; drop every one at 0.
      double alpha = 1;
      Eigen::Index first = -1;
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[static_cast<size_t>(i)] && !(s[i] > 0)) {
          const double a = x[i] / (x[i] - s[i]);
          if (first < 0 || a < alpha) {
            alpha = a;
            first = i;
          }
        }
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto u = static_cast<size_t>(i);
        if (!passive[u]) continue;
        x[i] += alpha * (s[i] - x[i]);
        if (i == first || !(x[i] > 0)) {
          x[i] = 0;
          passive[u] = false;
        }
      }
      moved = true;
    }
    if (moved) std::fill(blocked.begin(), blocked.end(), false);
  }
  out.x = d.cwiseProduct(x);
  return out;
}

}  // namespace mixbo
