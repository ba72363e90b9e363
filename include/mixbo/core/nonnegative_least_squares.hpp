#pragma once
// Non-negative least squares: min ||A x - b|| subject to x >= 0. Lawson and Hanson's active-set
// method ("Solving Least Squares Problems", 1974, ch. 23), which ends at the exact minimiser (to
// rounding) after finitely many steps: what a variable-projection fit needs, since the gradient of
// its outer problem is only right at the inner problem's minimiser. Eigen 3.4 has no NNLS (its
// unsupported NNLS module came later) and NLopt's bounded optimisers stop at a tolerance, not at
// the minimiser.
//
// Sized for small column counts (tens) and any number of rows: the work is on the normal
// equations of columns scaled to unit length, one Gram matrix per call.
#include <Eigen/Core>

namespace mixbo {

struct NonnegativeLeastSquares {
  Eigen::VectorXd x;      // the minimiser
  int iterations = 0;     // columns moved into the passive set
  bool converged = true;  // false: stopped at the iteration cap (x is feasible, maybe not optimal)
};

// Zero columns get x_j = 0; of exactly collinear columns, one carries the weight. Throws Error on
// mismatched sizes or non-finite entries. (A free variable, e.g. an intercept, is eliminated by
// the caller: centre b and every column, solve, and recover it from the means.)
NonnegativeLeastSquares solve_nonnegative_least_squares(const Eigen::MatrixXd& A,
                                                        const Eigen::VectorXd& b);

}  // namespace mixbo
