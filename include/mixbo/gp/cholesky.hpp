#pragma once
// Dense symmetric positive-definite helpers for the GP: an in-place Cholesky with jitter
// escalation, and the inverse from the factor in n^3 flops in total (recursive blocked
// triangular inverse + L^-T L^-1 product, each n^3/3), for the marginal-likelihood gradient.
#include <Eigen/Core>
#include <string>

namespace mixbo {

// Factorises the symmetric matrix A = L L^T in place: on return A's lower triangle holds L and
// its strictly upper triangle is unchanged (it still holds A's). When the plain factorisation
// fails, retries with jitter = eps * mean(diag(A)) added to the diagonal, eps = 1e-10, 1e-9,
// ..., 1e-4. Returns the absolute jitter added (0 if none). Throws NumericalError naming `what`
// when even the largest jitter fails or A has non-finite entries.
double cholesky_in_place(Eigen::MatrixXd& A, const std::string& what);

// Given a Cholesky factor L in the lower triangle of A, overwrites that lower triangle with the
// lower triangle of (L L^T)^{-1}. The strictly upper triangle is left untouched.
void inverse_from_cholesky_in_place(Eigen::MatrixXd& A);

// Copies the lower triangle onto the strictly upper one (or the reverse), in place.
void mirror_lower_to_upper(Eigen::MatrixXd& A);
void mirror_upper_to_lower(Eigen::MatrixXd& A);

}  // namespace mixbo
