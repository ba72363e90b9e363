// The linear kernel on the shares: k(w, w') = w . w', the covariance of f(w) = sum_j b_j w_j with
// every b_j ~ N(0, 1) (Scheffe's linear mixture model with a Gaussian prior on its
// coefficients). Mixing laws put a loss's log near-linear in the shares (Ye et al. 2024's
// exp(t . w); RegMix's linear regression), which a stationary kernel fitted on a few runs
// represents only through long lengthscales. Because the shares sum to 1 the model needs no
// separate intercept and no centre: a common shift of every b_j is a constant. In a sum its
// amplitude is the sum's weight, so the leaf has no hyperparameter of its own. Other column
// groups would need a centre and a scale (log parameters are about 20), so they are refused.
#include "mixbo/core/error.hpp"
#include "mixbo/gp/kernels.hpp"

namespace mixbo {
namespace {

class LinearShares final : public Kernel {
  // Before its uses: a member returning auto must be defined before it is called.
  auto shares(const Eigen::MatrixXd& X) const { return X.middleCols(cols_.begin, cols_.size); }

 public:
  LinearShares(std::string group, const KernelContext& ctx) : group_(std::move(group)), ctx_(ctx) {
    if (group_ != "mixture")
      throw ConfigError("linear works on the mixture columns only, not '" + group_ + "'");
    cols_ = resolve_columns(group_, ctx);
  }
  std::string expression() const override { return "linear(" + group_ + ")"; }
  bool reads_column(int c) const override {
    return c >= cols_.begin && c < cols_.begin + cols_.size;
  }
  const KernelContext& context() const override { return ctx_; }
  int num_params() const override { return 0; }
  std::vector<ParamSpec> param_specs() const override { return {}; }

  // A rank update of one triangle, mirrored: a Gram matrix must be exactly symmetric, and a
  // general product W W' need not be to the last bit.
  Eigen::MatrixXd gram(const ParamsRef&, const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd K = Eigen::MatrixXd::Zero(X.rows(), X.rows());
    K.selfadjointView<Eigen::Lower>().rankUpdate(shares(X));
    K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
    return K;
  }
  Eigen::MatrixXd cross(const ParamsRef&, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    return shares(X1) * shares(X2).transpose();
  }
  Eigen::VectorXd diagonal(const ParamsRef&, const Eigen::MatrixXd& X) const override {
    return shares(X).rowwise().squaredNorm();
  }
  void add_param_gradient(const ParamsRef&, const Eigen::MatrixXd&, const Eigen::MatrixXd&,
                          Eigen::Ref<Eigen::VectorXd>) const override {}

  Eigen::MatrixXd input_gradient(const ParamsRef&, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.size(), X2.rows());
    out.middleRows(cols_.begin, cols_.size) = shares(X2).transpose();
    return out;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef&, const Eigen::VectorXd& x) const override {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(x.size());
    out.segment(cols_.begin, cols_.size) = 2 * x.segment(cols_.begin, cols_.size);
    return out;
  }

 private:
  std::string group_;
  KernelContext ctx_;
  ColumnRange cols_;
};

}  // namespace

KernelPtr make_linear(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<LinearShares>(group, ctx);
}

}  // namespace mixbo
