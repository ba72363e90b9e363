// ARD RBF, Matern-3/2 and Matern-5/2 on a column group. Each is written as k(r) with a helper
// G(r) = -k'(r) / r such that dk/dlog l_d = G (dx_d / l_d)^2 and dk/dx_d = -G dx_d / l_d^2, which
// lets the lengthscale gradient contract with a weight matrix in O(n^2 d) through one matrix
// product.
//
// The fit's path (gram_lower / add_param_gradient_lower) keeps G(r) from the value pass, so the
// gradient computes no exp/sqrt; it works on lower triangles only. A one-column group (scale,
// steps) is evaluated on its distinct values and gathered (unique_values.hpp).
#include <cmath>
#include <optional>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"
#include "mixbo/gp/kernels.hpp"
#include "streamed_gradient.hpp"
#include "unique_values.hpp"

namespace mixbo {
namespace {

struct StationaryState final : KernelState {
  Eigen::MatrixXd Xc1;  // centred group columns, then a column of ones (for row sums)
  Eigen::MatrixXd G;    // lower triangle: G(r) at the last gram_lower's p
  Eigen::ArrayXd buf;   // one column of s = sqrt(5 r^2) (Matern-3/2: sqrt(3 r^2))
  // One-column groups: the distinct values, and tables over them at the last p.
  std::optional<UniqueValues> unique;
  Eigen::MatrixXd dK;  // dk / dlog l = G(r) r^2
};

enum class Shape { kRbf, kMatern32, kMatern52 };

struct GroupDefaults {
  double init, lower, upper;
};

// Lengthscales in feature units: mixture proportions live in [0, 1]; scale and steps are in
// log units (e-folds of parameters / steps) and span a few units across a ladder. The group
// `all` holds columns of both kinds, so its defaults are chosen per column. Its scale and steps
// columns default to a long lengthscale (prior median 8 e-folds): in the default kernel's first
// term, matern52(all) * rbf(scale) * expdecay(steps), the trend in scale and steps is carried by
// the one-column factors, and these lengthscales say how fast the *mixture effect* decorrelates
// across scales and step counts. 8 e-folds puts a correlation of about 0.9 across a 50x ladder
// a priori: small runs are expected to transfer until runs at two scales or step counts show
// that their rankings differ (the prior's sd, a factor of 4.5, leaves that to the data).
GroupDefaults lengthscale_defaults(const std::string& group, int column, const KernelContext& ctx) {
  if (column < ctx.k) return {0.5, 0.01, 100.0};  // a share, in any group
  if (group == "all") return {8.0, 0.05, 100.0};
  return {2.0, 0.05, 100.0};
}

class Stationary final : public Kernel, public StreamedGradient {
 public:
  Stationary(Shape shape, std::string group, const KernelContext& ctx)
      : shape_(shape), group_(std::move(group)), ctx_(ctx), cols_(resolve_columns(group_, ctx)) {}

  std::string expression() const override { return std::string(name(shape_)) + "(" + group_ + ")"; }
  const KernelContext& context() const override { return ctx_; }
  bool reads_column(int c) const override {
    return c >= cols_.begin && c < cols_.begin + cols_.size;
  }

  int num_params() const override { return cols_.size; }
  std::vector<ParamSpec> param_specs() const override {
    std::vector<ParamSpec> out;
    for (int i = 0; i < cols_.size; ++i) {
      const auto d = lengthscale_defaults(group_, cols_.begin + i, ctx_);
      ParamSpec s;
      s.name = expression() + ".lengthscale[" + std::to_string(i) + "]";
      s.init = std::log(d.init);
      s.lower = std::log(d.lower);
      s.upper = std::log(d.upper);
      s.prior = Prior::log_normal(std::log(d.init), 1.5);
      out.push_back(s);
    }
    return out;
  }

  Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    const Eigen::MatrixXd Z = scaled(p, X, center(X));
    return k_of_r2(sqdist_sym(Z));
  }
  Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    const Eigen::RowVectorXd c = center(X1);
    return k_of_r2(sqdist(scaled(p, X1, c), scaled(p, X2, c)));
  }
  Eigen::VectorXd diagonal(const ParamsRef&, const Eigen::MatrixXd& X) const override {
    return Eigen::VectorXd::Ones(X.rows());
  }

  void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                          Eigen::Ref<Eigen::VectorXd> g) const override {
    const Eigen::RowVectorXd c = center(X);
    const Eigen::MatrixXd Xc = X.middleCols(cols_.begin, cols_.size).rowwise() - c;
    const Eigen::MatrixXd Z = scaled(p, X, c);
    // M = W o G(r); sum_ab M_ab (x_ad - x_bd)^2 = 2 (sum_a x_ad^2 rowsum_a - x_d' M x_d).
    const Eigen::MatrixXd M = (W.array() * g_of_r2(sqdist_sym(Z)).array()).matrix();
    const Eigen::VectorXd rs = M.rowwise().sum();
    const Eigen::MatrixXd MX = M * Xc;
    for (int d = 0; d < cols_.size; ++d) {
      const double l2 = std::exp(2 * p[d]);
      const double s = Xc.col(d).array().square().matrix().dot(rs) - Xc.col(d).dot(MX.col(d));
      g[d] += 2 * s / l2;
    }
  }

  std::unique_ptr<KernelState> make_state(const Eigen::MatrixXd& X) const override {
    auto s = std::make_unique<StationaryState>();
    if (cols_.size == 1) {
      s->unique.emplace(X.col(cols_.begin));
      return s;
    }
    const Eigen::Index n = X.rows();
    s->Xc1.resize(n, cols_.size + 1);
    s->Xc1.leftCols(cols_.size) = X.middleCols(cols_.begin, cols_.size).rowwise() - center(X);
    s->Xc1.col(cols_.size).setOnes();
    s->G.resize(n, n);
    s->buf.resize(n);
    return s;
  }

  void gram_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& K) const override {
    auto& s = static_cast<StationaryState&>(state);
    if (s.unique) {
      const Eigen::ArrayXd v = s.unique->values().array() * std::exp(-p[0]);
      const Eigen::Index m = v.size();
      Eigen::MatrixXd r2(m, m);
      for (Eigen::Index j = 0; j < m; ++j) r2.col(j) = (v - v[j]).square().matrix();
      const Eigen::MatrixXd T = k_of_r2(r2);
      s.dK = (g_of_r2(r2).array() * r2.array()).matrix();
      s.unique->gather_lower(T, K);
      return;
    }
    const Eigen::Index n = s.Xc1.rows();
    const Eigen::MatrixXd Z =
        (s.Xc1.leftCols(cols_.size).array().rowwise() * (-p.array()).exp().transpose()).matrix();
    const Eigen::VectorXd z2 = Z.rowwise().squaredNorm();
    K.triangularView<Eigen::Lower>().setZero();
    K.selfadjointView<Eigen::Lower>().rankUpdate(Z, -2.0);
    for (Eigen::Index j = 0; j < n; ++j) {
      const Eigen::Index len = n - j;
      auto k = K.col(j).tail(len).array();
      auto g = s.G.col(j).tail(len).array();
      // r^2 = |z_a|^2 + |z_b|^2 - 2 z_a.z_b, exactly 0 on the diagonal.
      k = (k + z2.tail(len).array() + z2[j]).max(0.0);
      k[0] = 0.0;
      if (shape_ == Shape::kRbf) {
        k = (-0.5 * k).exp();
        g = k;
      } else if (shape_ == Shape::kMatern32) {
        auto sq = s.buf.head(len);
        sq = (3.0 * k).sqrt();
        g = (-sq).exp();
        k = (1.0 + sq) * g;
        g *= 3.0;
      } else {
        auto sq = s.buf.head(len);
        sq = (5.0 * k).sqrt();
        g = (-sq).exp();  // e^{-s}, then both functions from it
        k = (1.0 + sq + sq.square() / 3.0) * g;
        g *= (5.0 / 3.0) * (1.0 + sq);
      }
    }
  }

  void add_param_gradient_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& W,
                                Eigen::Ref<Eigen::VectorXd> g) const override {
    auto& s = static_cast<StationaryState&>(state);
    if (s.unique) {
      g[0] += (s.unique->aggregate_lower(W).array() * s.dK.array()).sum();
      return;
    }
    // M = W o G(r) in place; with Y = M [Xc 1] (M symmetric, from its lower triangle):
    // sum_ab M_ab (x_ad - x_bd)^2 = 2 (sum_a x_ad^2 rowsum_a - x_d' M x_d).
    const Eigen::Index n = W.rows();
    for (Eigen::Index j = 0; j < n; ++j)
      W.col(j).tail(n - j).array() *= s.G.col(j).tail(n - j).array();
    const Eigen::MatrixXd Y = W.selfadjointView<Eigen::Lower>() * s.Xc1;
    const auto rs = Y.col(cols_.size);
    for (int d = 0; d < cols_.size; ++d) {
      const auto x = s.Xc1.col(d);
      const double sum = x.array().square().matrix().dot(rs) - x.dot(Y.col(d));
      g[d] += 2 * sum * std::exp(-2 * p[d]);
    }
  }

  void add_param_gradient_column(const ParamsRef& p, KernelState& state, Eigen::Index j,
                                 const Eigen::Ref<const Eigen::ArrayXd>& w,
                                 Eigen::Ref<Eigen::VectorXd> g) const override {
    auto& s = static_cast<StationaryState&>(state);
    if (s.unique) {
      g[0] += s.unique->contract_column(s.dK, j, w);
      return;
    }
    // Off-diagonal pairs only (the diagonal has dx = 0), each standing for two.
    const Eigen::Index len = w.size() - 1;
    if (len == 0) return;
    auto m = s.buf.head(len);
    m = w.tail(len) * s.G.col(j).segment(j + 1, len).array();
    for (int d = 0; d < cols_.size; ++d) {
      const auto x = s.Xc1.col(d);
      const double sum = ((x.segment(j + 1, len).array() - x[j]).square() * m).sum();
      g[d] += 2 * sum * std::exp(-2 * p[d]);
    }
  }

  Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.size(), X2.rows());
    const Eigen::ArrayXd inv_l2 = (-2 * p.array()).exp();
    // diff(b, d) = x_d - X2_bd over the group.
    const Eigen::MatrixXd diff = (-(X2.middleCols(cols_.begin, cols_.size).rowwise() -
                                    x.segment(cols_.begin, cols_.size).transpose()));
    const Eigen::VectorXd r2 =
        (diff.array().rowwise() * inv_l2.transpose()).matrix().cwiseProduct(diff).rowwise().sum();
    const Eigen::ArrayXd G = g_of_r2(r2).array();
    for (int d = 0; d < cols_.size; ++d)
      out.row(cols_.begin + d) = (-G * diff.col(d).array() * inv_l2[d]).matrix().transpose();
    return out;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef&, const Eigen::VectorXd& x) const override {
    return Eigen::VectorXd::Zero(x.size());
  }

 private:
  Eigen::RowVectorXd center(const Eigen::MatrixXd& X) const {
    // Distances are translation invariant; centring avoids cancellation in |a|^2 + |b|^2 - 2ab
    // for features like log(params) ~ 20.
    if (X.rows() == 0) return Eigen::RowVectorXd::Zero(cols_.size);
    return X.middleCols(cols_.begin, cols_.size).colwise().mean();
  }
  Eigen::MatrixXd scaled(const ParamsRef& p, const Eigen::MatrixXd& X,
                         const Eigen::RowVectorXd& c) const {
    const Eigen::RowVectorXd inv_l = (-p.array()).exp().matrix().transpose();
    return ((X.middleCols(cols_.begin, cols_.size).rowwise() - c).array().rowwise() * inv_l.array())
        .matrix();
  }
  static Eigen::MatrixXd sqdist(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) {
    const Eigen::VectorXd a2 = A.rowwise().squaredNorm();
    const Eigen::VectorXd b2 = B.rowwise().squaredNorm();
    Eigen::MatrixXd D = -2.0 * A * B.transpose();
    D.colwise() += a2;
    D.rowwise() += b2.transpose();
    return D.cwiseMax(0.0);
  }
  // Exactly symmetric (the gemm may round (a,b) and (b,a) differently).
  static Eigen::MatrixXd sqdist_sym(const Eigen::MatrixXd& A) {
    Eigen::MatrixXd D = sqdist(A, A);
    mirror_lower_to_upper(D);
    D.diagonal().setZero();
    return D;
  }
  static const char* name(Shape shape) {
    switch (shape) {
      case Shape::kRbf:
        return "rbf";
      case Shape::kMatern32:
        return "matern32";
      case Shape::kMatern52:
        return "matern52";
    }
    return "";
  }
  Eigen::MatrixXd k_of_r2(const Eigen::MatrixXd& r2) const {
    if (shape_ == Shape::kRbf) return (-0.5 * r2.array()).exp().matrix();
    if (shape_ == Shape::kMatern32) {
      const Eigen::ArrayXXd s = (3.0 * r2.array()).sqrt();
      return ((1.0 + s) * (-s).exp()).matrix();
    }
    const Eigen::ArrayXXd s = (5.0 * r2.array()).sqrt();
    return ((1.0 + s + s.square() / 3.0) * (-s).exp()).matrix();
  }
  // G(r) = -k'(r) / r: Matern-3/2's is 3 e^{-s}, s = sqrt(3) r.
  Eigen::MatrixXd g_of_r2(const Eigen::MatrixXd& r2) const {
    if (shape_ == Shape::kRbf) return (-0.5 * r2.array()).exp().matrix();
    if (shape_ == Shape::kMatern32) return (3.0 * (-(3.0 * r2.array()).sqrt()).exp()).matrix();
    const Eigen::ArrayXXd s = (5.0 * r2.array()).sqrt();
    return ((5.0 / 3.0) * (1.0 + s) * (-s).exp()).matrix();
  }

  Shape shape_;
  std::string group_;
  KernelContext ctx_;
  ColumnRange cols_;
};

}  // namespace

KernelPtr make_rbf(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<Stationary>(Shape::kRbf, group, ctx);
}
KernelPtr make_matern32(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<Stationary>(Shape::kMatern32, group, ctx);
}
KernelPtr make_matern52(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<Stationary>(Shape::kMatern52, group, ctx);
}

}  // namespace mixbo
