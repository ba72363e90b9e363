// The two one-column fidelity kernels: exponential decay on training steps and downsampling on
// model scale. Both work on a transformed coordinate (t = steps / unit, u = decades below the
// target) computed from the log feature, so input gradients carry the chain-rule factor.
// On the fit's path (gram_lower / add_param_gradient_lower) expdecay is evaluated on the
// distinct step values only (unique_values.hpp) and keeps its log/pow tables for the gradient.
#include <cmath>
#include <numbers>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/kernels.hpp"
#include "streamed_gradient.hpp"
#include "unique_values.hpp"

namespace mixbo {
namespace {

class ExpDecay final : public Kernel, public StreamedGradient {
 public:
  ExpDecay(std::string group, const KernelContext& ctx) : group_(std::move(group)), ctx_(ctx) {
    if (group_ != "steps")
      throw ConfigError("expdecay works on the steps column only, not '" + group_ + "'");
    if (!(ctx.step_unit > 0)) throw ConfigError("expdecay needs a positive step unit");
    col_ = resolve_columns(group_, ctx).begin;
  }
  std::string expression() const override { return "expdecay(" + group_ + ")"; }
  bool reads_column(int c) const override { return c == col_; }
  const KernelContext& context() const override { return ctx_; }
  int num_params() const override { return 3; }
  std::vector<ParamSpec> param_specs() const override {
    return {ParamSpec{"expdecay.log_alpha", 0.0, std::log(0.05), std::log(20.0),
                      Prior::log_normal(0, 1)},
            ParamSpec{"expdecay.log_beta", 0.0, std::log(1e-3), std::log(1e3),
                      Prior::log_normal(0, 1.5)},
            ParamSpec{"expdecay.log_offset", std::log(0.5), std::log(1e-4), std::log(10.0),
                      Prior::log_normal(std::log(0.5), 1.5)}};
  }

  Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    const Eigen::VectorXd t = times(X);
    return cross_t(p, t, t);
  }
  Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    return cross_t(p, times(X1), times(X2));
  }
  Eigen::VectorXd diagonal(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    const double a = std::exp(p[0]), b = std::exp(p[1]), w = std::exp(p[2]);
    const Eigen::ArrayXd t = times(X).array();
    return (w + (a * (std::log(b) - (2 * t + b).log())).exp()).matrix();
  }

  void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                          Eigen::Ref<Eigen::VectorXd> g) const override {
    const double a = std::exp(p[0]), b = std::exp(p[1]), w = std::exp(p[2]);
    const Eigen::ArrayXd t = times(X).array();
    const Eigen::Index n = t.size();
    Eigen::ArrayXXd S = t.replicate(1, n);
    S.rowwise() += t.transpose();
    S += b;
    const Eigen::ArrayXXd logq = std::log(b) - S.log();  // log(beta / s)
    const Eigen::ArrayXXd P = (a * logq).exp();          // (beta / s)^alpha
    const Eigen::ArrayXXd Wa = W.array();
    g[0] += (Wa * P * logq).sum() * a;
    g[1] += (Wa * P * (S - b) / S).sum() * a;
    g[2] += Wa.sum() * w;
  }

  std::unique_ptr<KernelState> make_state(const Eigen::MatrixXd& X) const override {
    return std::make_unique<State>(times(X));
  }
  void gram_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& K) const override {
    auto& s = static_cast<State&>(state);
    const double a = std::exp(p[0]), b = std::exp(p[1]), w = std::exp(p[2]);
    const Eigen::ArrayXd& t = s.unique.values().array();
    const Eigen::Index m = t.size();
    s.S.resize(m, m);
    for (Eigen::Index j = 0; j < m; ++j) s.S.col(j) = t + t[j] + b;
    s.logq = std::log(b) - s.S.log();
    s.P = (a * s.logq).exp();
    s.dalpha = (a * s.P * s.logq).matrix();
    s.dbeta = (a * s.P * (s.S - b) / s.S).matrix();
    s.unique.gather_lower((w + s.P).matrix(), K);
  }
  void add_param_gradient_column(const ParamsRef& p, KernelState& state, Eigen::Index j,
                                 const Eigen::Ref<const Eigen::ArrayXd>& wc,
                                 Eigen::Ref<Eigen::VectorXd> g) const override {
    const auto& s = static_cast<const State&>(state);
    g[0] += s.unique.contract_column(s.dalpha, j, wc);
    g[1] += s.unique.contract_column(s.dbeta, j, wc);
    g[2] += (2 * wc.sum() - wc[0]) * std::exp(p[2]);
  }
  void add_param_gradient_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& W,
                                Eigen::Ref<Eigen::VectorXd> g) const override {
    const auto& s = static_cast<const State&>(state);
    const double a = std::exp(p[0]), b = std::exp(p[1]), w = std::exp(p[2]);
    const Eigen::ArrayXXd A = s.unique.aggregate_lower(W).array();
    g[0] += (A * s.P * s.logq).sum() * a;
    g[1] += (A * s.P * (s.S - b) / s.S).sum() * a;
    g[2] += A.sum() * w;
  }

  Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    const double a = std::exp(p[0]), b = std::exp(p[1]);
    const double t = std::exp(x[col_]) / ctx_.step_unit;
    const Eigen::ArrayXd s = times(X2).array() + t + b;
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.size(), X2.rows());
    // dk/dt = -alpha (beta/s)^alpha / s and dt/dx = t.
    out.row(col_) = (-a * t * (a * (std::log(b) - s.log())).exp() / s).matrix().transpose();
    return out;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef& p, const Eigen::VectorXd& x) const override {
    const double a = std::exp(p[0]), b = std::exp(p[1]);
    const double t = std::exp(x[col_]) / ctx_.step_unit;
    const double s = 2 * t + b;
    Eigen::VectorXd out = Eigen::VectorXd::Zero(x.size());
    out[col_] = -2 * a * t * std::pow(b / s, a) / s;
    return out;
  }

 private:
  // Tables over the distinct times t_p: S = t_p + t_q + beta, logq = log(beta / S), P = e^(a logq).
  struct State final : KernelState {
    explicit State(const Eigen::VectorXd& t) : unique(t) {}
    UniqueValues unique;
    Eigen::ArrayXXd S, logq, P;
    Eigen::MatrixXd dalpha, dbeta;  // dk / dlog alpha, dk / dlog beta over the same table
  };

  Eigen::VectorXd times(const Eigen::MatrixXd& X) const {
    return (X.col(col_).array().exp() / ctx_.step_unit).matrix();
  }
  Eigen::MatrixXd cross_t(const ParamsRef& p, const Eigen::VectorXd& t1,
                          const Eigen::VectorXd& t2) const {
    const double a = std::exp(p[0]), b = std::exp(p[1]), w = std::exp(p[2]);
    const auto table = [&](const Eigen::VectorXd& u1, const Eigen::VectorXd& u2) {
      Eigen::ArrayXXd S = u1.array().replicate(1, u2.size());
      S.rowwise() += u2.array().transpose();
      S += b;
      return (w + (a * (std::log(b) - S.log())).exp()).matrix().eval();
    };
    // Steps take few distinct values (a candidate batch is at one step count, the training rows
    // on the checkpoint grid): a large block is a gather from the table over the distinct pairs,
    // one log and one exp per pair instead of per entry. Small blocks skip the sorting.
    if (t1.size() * t2.size() < kTableFrom) return table(t1, t2);
    const UniqueValues u1(t1), u2(t2);
    if (4 * u1.size() * u2.size() > t1.size() * t2.size()) return table(t1, t2);
    const Eigen::MatrixXd T = table(u1.values(), u2.values());
    Eigen::MatrixXd K(t1.size(), t2.size());
    for (Eigen::Index j = 0; j < t2.size(); ++j) {
      const double* tc = T.col(u2.index(j)).data();
      double* k = K.col(j).data();
      for (Eigen::Index i = 0; i < t1.size(); ++i) k[i] = tc[u1.index(i)];
    }
    return K;
  }
  static constexpr Eigen::Index kTableFrom = 4096;  // entries

  std::string group_;
  KernelContext ctx_;
  int col_ = 0;
};

class Downsampling final : public Kernel {
 public:
  Downsampling(std::string group, const KernelContext& ctx) : group_(std::move(group)), ctx_(ctx) {
    if (group_ != "scale")
      throw ConfigError("downsampling works on the scale column only, not '" + group_ + "'");
    if (!std::isfinite(ctx.target_log_params))
      throw ConfigError("downsampling needs the target scale (log parameter count) in its context");
    col_ = resolve_columns(group_, ctx).begin;
  }
  std::string expression() const override { return "downsampling(" + group_ + ")"; }
  bool reads_column(int c) const override { return c == col_; }
  const KernelContext& context() const override { return ctx_; }
  int num_params() const override { return 2; }
  std::vector<ParamSpec> param_specs() const override {
    return {ParamSpec{"downsampling.log_offset", 0.0, std::log(1e-3), std::log(1e2),
                      Prior::log_normal(0, 1.5)},
            ParamSpec{"downsampling.log_delta", std::log(0.5), std::log(1e-3), std::log(10.0),
                      Prior::log_normal(std::log(0.5), 1.5)}};
  }

  Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    const Eigen::VectorXd u = gaps(X);
    return cross_u(p, u, u);
  }
  Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    return cross_u(p, gaps(X1), gaps(X2));
  }
  Eigen::VectorXd diagonal(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    const double c = std::exp(p[0]), e = 1 + std::exp(p[1]);
    return (c + gaps(X).array().pow(2 * e)).matrix();
  }

  void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                          Eigen::Ref<Eigen::VectorXd> g) const override {
    const double c = std::exp(p[0]), delta = std::exp(p[1]), e = 1 + delta;
    const Eigen::VectorXd u = gaps(X);
    const Eigen::ArrayXXd V = (u * u.transpose()).array();
    // d/d log delta of V^e = delta V^e log V, which tends to 0 as V -> 0.
    const Eigen::ArrayXXd T = (V > 0).select(V.pow(e) * V.max(1e-300).log(), 0.0);
    g[0] += W.sum() * c;
    g[1] += (W.array() * T).sum() * delta;
  }

  Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    const double e = 1 + std::exp(p[1]);
    const double u = gap(x[col_]);
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.size(), X2.rows());
    if (u <= 0) return out;  // at or above the target the kernel is flat in this argument
    const double du = -1 / std::numbers::ln10;
    out.row(col_) = (e * std::pow(u, e - 1) * du * gaps(X2).array().pow(e)).matrix().transpose();
    return out;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef& p, const Eigen::VectorXd& x) const override {
    const double e = 1 + std::exp(p[1]);
    const double u = gap(x[col_]);
    Eigen::VectorXd out = Eigen::VectorXd::Zero(x.size());
    if (u > 0) out[col_] = 2 * e * std::pow(u, 2 * e - 1) * (-1 / std::numbers::ln10);
    return out;
  }

 private:
  double gap(double logp) const {
    return std::max(0.0, ctx_.target_log_params - logp) / std::numbers::ln10;
  }
  Eigen::VectorXd gaps(const Eigen::MatrixXd& X) const {
    return X.col(col_).unaryExpr([this](double v) { return gap(v); });
  }
  Eigen::MatrixXd cross_u(const ParamsRef& p, const Eigen::VectorXd& u1,
                          const Eigen::VectorXd& u2) const {
    const double c = std::exp(p[0]), e = 1 + std::exp(p[1]);
    return (c + (u1 * u2.transpose()).array().pow(e)).matrix();
  }

  std::string group_;
  KernelContext ctx_;
  int col_ = 0;
};

}  // namespace

KernelPtr make_expdecay(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<ExpDecay>(group, ctx);
}
KernelPtr make_downsampling(const std::string& group, const KernelContext& ctx) {
  return std::make_shared<Downsampling>(group, ctx);
}

}  // namespace mixbo
