#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>

#include "mixbo/core/error.hpp"
#include "mixbo/core/nonnegative_least_squares.hpp"

namespace nnls_test {

using mixbo::solve_nonnegative_least_squares;

Eigen::MatrixXd random_matrix(int rows, int cols, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> z;
  Eigen::MatrixXd A(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) A(i, j) = z(g);
  return A;
}

// The closed-form answer by exhaustion: every subset of columns, unconstrained least squares on
// it, kept when all its weights are >= 0; the smallest residual wins.
double brute_force_residual(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const int n = static_cast<int>(A.cols());
  double best = b.norm();
  for (int mask = 1; mask < (1 << n); ++mask) {
    std::vector<Eigen::Index> idx;
    for (int j = 0; j < n; ++j)
      if (mask & (1 << j)) idx.push_back(j);
    const Eigen::MatrixXd S = A(Eigen::all, idx);
    const Eigen::VectorXd s = S.colPivHouseholderQr().solve(b);
    if ((s.array() >= 0).all()) best = std::min(best, (S * s - b).norm());
  }
  return best;
}

TEST(NonnegativeLeastSquares, RecoversAPositiveExactSolution) {
  const Eigen::MatrixXd A = random_matrix(40, 8, 1);
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(8, 0.5, 4.0);
  const auto r = solve_nonnegative_least_squares(A, A * x);
  EXPECT_TRUE(r.converged);
  EXPECT_LT((r.x - x).cwiseAbs().maxCoeff(), 1e-10) << r.x.transpose();
}

// Random problems whose unconstrained solution has negative weights: the residual equals the
// exhaustive search's, and the Kuhn-Tucker conditions hold (x >= 0; the gradient A^T (b - A x) is
// 0 where x > 0 and <= 0 where x = 0).
TEST(NonnegativeLeastSquares, MatchesExhaustiveSearchAndKuhnTucker) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    const Eigen::MatrixXd A = random_matrix(15, 7, 100 + seed);
    const Eigen::VectorXd b = random_matrix(15, 1, 200 + seed).col(0);
    const auto r = solve_nonnegative_least_squares(A, b);
    ASSERT_TRUE(r.converged);
    EXPECT_NEAR((A * r.x - b).norm(), brute_force_residual(A, b), 1e-10) << "seed " << seed;
    const Eigen::VectorXd w = A.transpose() * (b - A * r.x);
    for (int j = 0; j < 7; ++j) {
      EXPECT_GE(r.x[j], 0.0);
      if (r.x[j] > 0)
        EXPECT_NEAR(w[j], 0.0, 1e-10) << "seed " << seed << " column " << j;
      else
        EXPECT_LE(w[j], 1e-10) << "seed " << seed << " column " << j;
    }
  }
}

TEST(NonnegativeLeastSquares, ZeroAndRepeatedColumns) {
  Eigen::MatrixXd A = random_matrix(20, 4, 7);
  A.col(1).setZero();
  A.col(3) = A.col(0);  // exactly collinear: one of the two carries the weight
  const Eigen::VectorXd b = A.col(0) * 2.0 + A.col(2) * 0.5;
  const auto r = solve_nonnegative_least_squares(A, b);
  EXPECT_EQ(r.x[1], 0.0);
  EXPECT_NEAR(r.x[0] + r.x[3], 2.0, 1e-10);
  EXPECT_NEAR(r.x[2], 0.5, 1e-10);
  EXPECT_LT((A * r.x - b).norm(), 1e-10);
}

// Columns all positive, b all negative: every column's gradient points away, so x = 0 exactly.
TEST(NonnegativeLeastSquares, NoHelpfulColumnGivesZeroAndBadInputThrows) {
  const Eigen::MatrixXd A = random_matrix(10, 3, 9).cwiseAbs();
  const auto r = solve_nonnegative_least_squares(A, -Eigen::VectorXd::Ones(10));
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(r.x.isZero()) << r.x.transpose();
  EXPECT_THROW(solve_nonnegative_least_squares(A, Eigen::VectorXd::Zero(9)), mixbo::Error);
  Eigen::MatrixXd bad = A;
  bad(0, 0) = std::nan("");
  EXPECT_THROW(solve_nonnegative_least_squares(bad, Eigen::VectorXd::Zero(10)), mixbo::Error);
}

}  // namespace nnls_test
