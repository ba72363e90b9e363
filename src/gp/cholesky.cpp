#include "mixbo/gp/cholesky.hpp"

#include <Eigen/Cholesky>
#include <cmath>
#include <sstream>

#include "mixbo/core/error.hpp"

namespace mixbo {

double cholesky_in_place(Eigen::MatrixXd& A, const std::string& what) {
  const Eigen::Index n = A.rows();
  if (n == 0) return 0.0;
  const Eigen::VectorXd diag = A.diagonal();
  if (!A.allFinite()) throw NumericalError(what + ": covariance matrix has non-finite entries");
  const double scale = std::max(diag.mean(), 1e-300);
  double jitter = 0;
  for (int attempt = 0;; ++attempt) {
    // LLT on a Ref works in place on the lower triangle and reads nothing above it.
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(A);
    if (llt.info() == Eigen::Success) return jitter;
    if (attempt == 7) break;
    jitter = scale * std::pow(10.0, -10 + attempt);  // 1e-10 .. 1e-4 relative
    mirror_upper_to_lower(A);
    A.diagonal() = diag.array() + jitter;
  }
  std::ostringstream o;
  o << what << ": Cholesky factorisation of the " << n << "x" << n
    << " covariance failed even with jitter " << jitter << " (1e-4 of the mean diagonal " << scale
    << "); the data or hyperparameters are degenerate";
  throw NumericalError(o.str());
}

void mirror_lower_to_upper(Eigen::MatrixXd& A) {
  const Eigen::Index n = A.rows();
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i) A(j, i) = A(i, j);
}
void mirror_upper_to_lower(Eigen::MatrixXd& A) {
  const Eigen::Index n = A.rows();
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i) A(i, j) = A(j, i);
}

namespace {

using Block = Eigen::Ref<Eigen::MatrixXd>;
constexpr Eigen::Index kLeaf = 64;

// Lower triangle of A <- inverse of the lower-triangular matrix stored there.
void trtri_lower(Block A) {
  const Eigen::Index n = A.rows();
  if (n <= kLeaf) {
    Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
    A.triangularView<Eigen::Lower>().solveInPlace(I);
    A.triangularView<Eigen::Lower>() = I;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  auto A11 = A.topLeftCorner(n1, n1);
  auto A21 = A.bottomLeftCorner(n2, n1);
  auto A22 = A.bottomRightCorner(n2, n2);
  // inv [L11 0; L21 L22] = [L11^-1 0; -L22^-1 L21 L11^-1  L22^-1]: both diagonal blocks first,
  // then two triangular-times-general products (Eigen's trmm runs faster than its trsm).
  trtri_lower(A11);
  trtri_lower(A22);
  const Eigen::MatrixXd T = A21 * A11.triangularView<Eigen::Lower>();
  A21.noalias() = -(A22.triangularView<Eigen::Lower>() * T);
}

// Lower triangle of A <- lower triangle of M^T M, M the lower-triangular matrix stored there.
void lauum_lower(Block A) {
  const Eigen::Index n = A.rows();
  if (n <= kLeaf) {
    const Eigen::MatrixXd M = A.triangularView<Eigen::Lower>();
    A.triangularView<Eigen::Lower>() = M.transpose() * M;
    return;
  }
  const Eigen::Index n1 = n / 2, n2 = n - n1;
  auto A11 = A.topLeftCorner(n1, n1);
  auto A21 = A.bottomLeftCorner(n2, n1);
  auto A22 = A.bottomRightCorner(n2, n2);
  // [P 0; Q R]^T [P 0; Q R] = [P'P + Q'Q, Q'R; R'Q, R'R]
  lauum_lower(A11);
  A11.selfadjointView<Eigen::Lower>().rankUpdate(A21.transpose());
  Eigen::MatrixXd T = A22.triangularView<Eigen::Lower>().transpose() * A21;
  A21 = T;
  lauum_lower(A22);
}

}  // namespace

void inverse_from_cholesky_in_place(Eigen::MatrixXd& A) {
  const Eigen::Index n = A.rows();
  if (n == 0) return;
  // (L L^T)^-1 = L^-T L^-1: invert L, then form M^T M with M = L^-1.
  trtri_lower(A);
  lauum_lower(A);
}

}  // namespace mixbo
