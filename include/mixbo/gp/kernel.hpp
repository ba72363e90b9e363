#pragma once
// Covariance kernels over GP feature vectors (SearchSpace::features):
//   [w_1..w_k, log(params), log(steps)]
// Column groups: "mixture" = columns 0..k-1, "scale" = column k, "steps" = column k+1,
// "all" = every column, "share1" .. "sharek" = one domain's share (column j - 1). A kernel acts on
// one group (leaves) or composes kernels (sum, product).
//
// Contract
// - Kernels are immutable and stateless in their hyperparameters: every call takes the
//   kernel's own parameter vector p (length num_params(), in the unconstrained space: logs of
//   lengthscales, exponents, offsets). One kernel object is shared freely across threads/GPs.
// - Kernels are unit-scale correlations or offsets; the GP owns the single output scale
//   (signal variance), so no factor carries its own amplitude. A sum's later terms carry a
//   weight relative to its first (kernels_composite.cpp).
// - X matrices hold one feature vector per ROW, with KernelContext::dim() columns.
// - Gradients are analytic: wrt p (contracted with a weight matrix, which is all the marginal
//   likelihood needs and keeps memory at O(n^2)) and wrt the first input.
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/gp/prior.hpp"

namespace mixbo {

// What a kernel needs to know about the feature layout.
struct KernelContext {
  int k = 0;  // mixture dimension: features have k + 2 columns
  // log(parameter count) of the target scale: the downsampling kernel measures how far below
  // the target a run's scale is. NaN when unknown (downsampling then refuses to build).
  double target_log_params = std::numeric_limits<double>::quiet_NaN();
  // Training steps are divided by this before entering the exponential-decay kernel, so its
  // beta is in units of `step_unit` steps (1000 by default: beta ~ 1 means curves flatten
  // after a few thousand steps).
  double step_unit = 1000.0;

  int dim() const { return k + 2; }
};

// A contiguous block of feature columns.
struct ColumnRange {
  int begin = 0;
  int size = 0;
};

// Resolves a group name for a layout; throws ConfigError naming the group if unknown.
ColumnRange resolve_columns(const std::string& group, const KernelContext& ctx);

// One hyperparameter in the optimiser's space (theta): its name, a default value, box bounds
// for the fit and its prior.
struct ParamSpec {
  std::string name;
  double init = 0;
  double lower = -10, upper = 10;
  Prior prior;
};

using ParamsRef = Eigen::Ref<const Eigen::VectorXd>;

// What a kernel keeps between evaluations on one fixed input set X (a hyperparameter fit
// evaluates the same X at many theta): the X-only part (centred columns, the distinct values of
// a one-column group) is computed once by make_state, and gram_lower leaves in it what the
// gradient pass at the same p needs (G(r) matrices, exp/log tables), so that pass recomputes
// no transcendental and allocates no n x n matrix. A state belongs to one kernel and one X;
// it is not shared between threads.
class KernelState {
 public:
  virtual ~KernelState() = default;
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  // The canonical expression, parseable by parse_kernel() with the same context.
  virtual std::string expression() const = 0;
  virtual const KernelContext& context() const = 0;
  // The hyperparameters, in the order of p. Names are unique within a composed kernel.
  virtual std::vector<ParamSpec> param_specs() const = 0;
  virtual int num_params() const { return static_cast<int>(param_specs().size()); }
  // Whether k depends on feature column c (a composite: whether any of its terms does).
  virtual bool reads_column(int c) const = 0;
  Eigen::VectorXd default_params() const;

  // K(X, X) (symmetric, n x n); cross(X1, X2) is n1 x n2; diagonal(X) is k(x_i, x_i).
  virtual Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const = 0;
  virtual Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                                const Eigen::MatrixXd& X2) const = 0;
  virtual Eigen::VectorXd diagonal(const ParamsRef& p, const Eigen::MatrixXd& X) const = 0;

  // g[j] += sum_{a,b} W_ab dK(X,X)_ab / dp_j for a SYMMETRIC weight matrix W (n x n).
  virtual void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X,
                                  const Eigen::MatrixXd& W,
                                  Eigen::Ref<Eigen::VectorXd> g) const = 0;

  // The evaluation path of the marginal likelihood, on the state of one input set X:
  // - make_state(X): the state (it copies what it needs from X);
  // - gram_lower(p, s, K): the lower triangle, diagonal included, of K(X, X) into K (n x n,
  //   sized by the caller); the strictly upper triangle is unspecified on return;
  // - add_param_gradient_lower(p, s, W, g): after gram_lower with the same p and state,
  //   g[j] += sum_{a,b} W_ab dK_ab / dp_j for the symmetric W whose LOWER triangle is given
  //   (the upper one is not read). W is scratch: it may be overwritten.
  // The defaults call gram / add_param_gradient; kernels override them to reuse work.
  virtual std::unique_ptr<KernelState> make_state(const Eigen::MatrixXd& X) const;
  virtual void gram_lower(const ParamsRef& p, KernelState& s, Eigen::MatrixXd& K) const;
  virtual void add_param_gradient_lower(const ParamsRef& p, KernelState& s, Eigen::MatrixXd& W,
                                        Eigen::Ref<Eigen::VectorXd> g) const;

  // Column b = d k(x, X2_b) / dx (dim x n2), x being the first argument.
  virtual Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                         const Eigen::MatrixXd& X2) const = 0;
  // d k(x, x) / dx (zero for stationary kernels; not for expdecay, downsampling, linear).
  virtual Eigen::VectorXd diagonal_gradient(const ParamsRef& p, const Eigen::VectorXd& x) const = 0;
};

using KernelPtr = std::shared_ptr<const Kernel>;

}  // namespace mixbo
