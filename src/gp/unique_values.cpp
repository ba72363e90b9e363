#include "unique_values.hpp"

#include <algorithm>

namespace mixbo {

UniqueValues::UniqueValues(const Eigen::VectorXd& v) {
  std::vector<double> sorted(v.data(), v.data() + v.size());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  values_ =
      Eigen::Map<const Eigen::VectorXd>(sorted.data(), static_cast<Eigen::Index>(sorted.size()));
  index_.resize(static_cast<size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i)
    index_[static_cast<size_t>(i)] =
        static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), v[i]) - sorted.begin());
}

void UniqueValues::gather_lower(const Eigen::MatrixXd& T, Eigen::MatrixXd& K) const {
  const Eigen::Index n = static_cast<Eigen::Index>(index_.size());
  const int* idx = index_.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    const double* t = T.col(idx[j]).data();
    double* k = K.col(j).data();
    for (Eigen::Index i = j; i < n; ++i) k[i] = t[idx[i]];
  }
}

Eigen::MatrixXd UniqueValues::aggregate_lower(const Eigen::MatrixXd& W) const {
  const Eigen::Index n = static_cast<Eigen::Index>(index_.size());
  const int* idx = index_.data();
  // Strictly lower pairs once each into L, the diagonal into D; A = L + L' + D counts every
  // off-diagonal pair in both orders, as the full sum does.
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(size(), size());
  Eigen::VectorXd D = Eigen::VectorXd::Zero(size());
  for (Eigen::Index j = 0; j < n; ++j) {
    const double* w = W.col(j).data();
    double* l = L.col(idx[j]).data();
    D[idx[j]] += w[j];
    for (Eigen::Index i = j + 1; i < n; ++i) l[idx[i]] += w[i];
  }
  Eigen::MatrixXd A = L + L.transpose();
  A.diagonal() += D;
  return A;
}

double UniqueValues::contract_column(const Eigen::MatrixXd& T, Eigen::Index j,
                                     const Eigen::Ref<const Eigen::ArrayXd>& w) const {
  const int* idx = index_.data() + j;
  const double* t = T.col(idx[0]).data();
  double off = 0;
  for (Eigen::Index i = 1; i < w.size(); ++i) off += w[i] * t[idx[i]];
  return w[0] * t[idx[0]] + 2 * off;
}

}  // namespace mixbo
