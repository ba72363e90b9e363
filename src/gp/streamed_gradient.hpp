#pragma once
// The column-streamed form of Kernel::add_param_gradient_lower, for a product that forms each
// factor's weights (W o the other factors) one column at a time: every n x n matrix is then
// read once per gradient, while its column is in cache, instead of once per factor.
#include <Eigen/Core>

#include "mixbo/gp/kernel.hpp"

namespace mixbo {

class StreamedGradient {
 public:
  virtual ~StreamedGradient() = default;
  // After gram_lower(p, s, .): g += the part of sum_ab W_ab dK_ab / dp from column j of the
  // symmetric W, given as w = W(j..n-1, j): w[0] is the diagonal entry (counted once), w[i > 0]
  // stands for both (j + i, j) and (j, j + i).
  virtual void add_param_gradient_column(const ParamsRef& p, KernelState& s, Eigen::Index j,
                                         const Eigen::Ref<const Eigen::ArrayXd>& w,
                                         Eigen::Ref<Eigen::VectorXd> g) const = 0;
};

}  // namespace mixbo
