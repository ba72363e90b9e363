#pragma once
// A one-column kernel factor (model scale: a ladder of <= 10 values; training steps: a grid of
// <= 200) takes few distinct values, so its Gram matrix is a gather from a small table over the
// distinct values, and its gradient contracts a small table that aggregates the weight matrix.
// Only lower triangles are touched (the kernels' gram_lower / add_param_gradient_lower).
#include <Eigen/Core>
#include <vector>

namespace mixbo {

class UniqueValues {
 public:
  explicit UniqueValues(const Eigen::VectorXd& v);

  const Eigen::VectorXd& values() const { return values_; }  // sorted, distinct
  Eigen::Index size() const { return values_.size(); }
  int index(Eigen::Index row) const { return index_[static_cast<size_t>(row)]; }
  // sum_i c_i w[i] T(index(j + i), index(j)), c_0 = 1, c_i = 2 otherwise: column j's share of
  // sum_ab W_ab T(index(a), index(b)) for a symmetric W and T (StreamedGradient).
  double contract_column(const Eigen::MatrixXd& T, Eigen::Index j,
                         const Eigen::Ref<const Eigen::ArrayXd>& w) const;

  // Lower triangle of K: K(a, b) = T(index(a), index(b)), T symmetric (size() x size()).
  void gather_lower(const Eigen::MatrixXd& T, Eigen::MatrixXd& K) const;
  // Table A (size() x size(), symmetric) with sum_ab W_ab T(index(a), index(b)) =
  // sum_pq A_pq T_pq for every symmetric T, from the lower triangle of the symmetric W.
  Eigen::MatrixXd aggregate_lower(const Eigen::MatrixXd& W) const;

 private:
  Eigen::VectorXd values_;
  std::vector<int> index_;  // row -> position in values_
};

}  // namespace mixbo
