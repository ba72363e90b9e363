#pragma once
// A GP model specification: kernel, mean, noise and the full hyperparameter vector theta that
// the fit optimises. theta layout (P = kernel.num_params(), d = feature dim):
//   [0, P)       the kernel's own parameters (kernel.hpp)
//   P            log signal variance s2      (the one output scale, standardised units)
//   P + 1        log(noise - noise_floor)    so noise variance = noise_floor + exp(theta)
//   P + 2        constant mean c             (standardised units, not a log)
//   P + 3 ...    linear-mean coefficients b  (only with linear_mean; m(x) = c + b'(x - x0))
// Outputs are standardised before the GP sees them (Standardizer), so the defaults below are
// scale-free. Every entry has box bounds and a prior (ParamSpec), editable through specs().
#include <Eigen/Core>
#include <string>
#include <vector>

#include "mixbo/gp/kernel.hpp"
#include "mixbo/par/bytes.hpp"

namespace mixbo {

struct GpOptions {
  bool linear_mean = false;
  double noise_floor = 1e-6;  // minimum noise variance, standardised output units
  // x0, where the linear mean is c (empty: the origin). With features such as log parameters
  // (~20) the uncentred c + b'x needs c ~ -20 b to stay near the data, past the bounds and
  // against the prior of c, which then shrink b: the trend is lost.
  Eigen::VectorXd mean_origin;
};

// y_std = (y - mean) / scale. scale is the sample standard deviation, or 1 when the outputs
// are (numerically) constant or there is a single one.
struct Standardizer {
  double mean = 0;
  double scale = 1;
  static Standardizer fit(const Eigen::VectorXd& y);
  Eigen::VectorXd apply(const Eigen::VectorXd& y) const {
    return ((y.array() - mean) / scale).matrix();
  }
};

class GpModel {
 public:
  GpModel(KernelPtr kernel, GpOptions options = {});
  // parse_kernel(expression, ctx) wrapped in a model.
  static GpModel from_expression(const std::string& expression, const KernelContext& ctx,
                                 GpOptions options = {});

  const Kernel& kernel() const { return *kernel_; }
  const KernelPtr& kernel_ptr() const { return kernel_; }
  const GpOptions& options() const { return options_; }
  int dim() const { return kernel_->context().dim(); }

  int num_params() const { return static_cast<int>(specs_.size()); }
  int num_kernel_params() const { return num_kernel_; }
  int signal_index() const { return num_kernel_; }
  int noise_index() const { return num_kernel_ + 1; }
  int mean_index() const { return num_kernel_ + 2; }

  const std::vector<ParamSpec>& specs() const { return specs_; }
  std::vector<ParamSpec>& specs() { return specs_; }  // to change priors / bounds / inits
  void set_all_priors_flat();                         // maximum likelihood instead of MAP

  Eigen::VectorXd initial() const;
  Eigen::VectorXd lower() const;
  Eigen::VectorXd upper() const;
  Eigen::VectorXd clamp(const Eigen::VectorXd& theta) const;  // into the bounds

  // sum_i log p_i(theta_i) and, when grad != nullptr, its gradient ADDED to *grad.
  double log_prior(const Eigen::VectorXd& theta, Eigen::VectorXd* grad = nullptr) const;

  // Named decoders of theta.
  Eigen::VectorXd kernel_params(const Eigen::VectorXd& theta) const {
    return theta.head(num_kernel_);
  }
  double signal_variance(const Eigen::VectorXd& theta) const;
  double noise_variance(const Eigen::VectorXd& theta) const;
  // Mean function at the rows of X (standardised units).
  Eigen::VectorXd mean(const Eigen::VectorXd& theta, const Eigen::MatrixXd& X) const;
  // The rows of X as the linear mean sees them: X - x0 (linear_mean only).
  Eigen::MatrixXd mean_design(const Eigen::MatrixXd& X) const;
  // d mean / dx at one point (standardised units).
  Eigen::VectorXd mean_gradient(const Eigen::VectorXd& theta) const;

  // Entry i of theta in the units a reader expects: exp(theta_i) for the positive quantities
  // (kernel parameters and signal variance; the noise variance with its floor added), theta_i
  // for the mean's coefficients. natural_name(i) names it: the spec's name, less a "log_" on its
  // last part where the value is exponentiated ("expdecay.log_alpha" -> "expdecay.alpha"), so that
  // a stored value is never read as a log when it is not, or the other way round.
  double natural_value(const Eigen::VectorXd& theta, int i) const;
  std::string natural_name(int i) const;

  // Human-readable "name = value" lines, natural_name(i) = natural_value(theta, i).
  std::string describe(const Eigen::VectorXd& theta) const;

  void serialize(ByteWriter& out) const;
  static GpModel deserialize(ByteReader& in);

 private:
  KernelPtr kernel_;
  GpOptions options_;
  int num_kernel_ = 0;
  std::vector<ParamSpec> specs_;
};

}  // namespace mixbo
