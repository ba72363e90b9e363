// Sum and product of kernels, and additive(mixture), the mean of one kernel per share. A product's
// parameter gradient reuses each factor's own contraction with the weight matrix multiplied by the
// other factors' Gram matrices, so no per-parameter n x n derivative matrix is ever formed.
//
// A sum weighs its terms: k = k_0 + sum_{i>0} exp(a_i) k_i. The GP's single output scale sets
// the first term's amplitude; the log weights a_i (the sum's own parameters, after its terms')
// let a small effect ride on a large one, e.g. a learning-curve main effect plus a mixture
// interaction that is a hundredth of it. Without them a sum would force equal amplitudes.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/kernels.hpp"
#include "streamed_gradient.hpp"

namespace mixbo {
namespace {

class Composite : public Kernel {
 public:
  explicit Composite(std::vector<KernelPtr> children) : children_(std::move(children)) {
    if (children_.empty()) throw ConfigError("a kernel sum/product needs at least one term");
    for (const auto& c : children_) {
      if (!c) throw ConfigError("null kernel in a sum/product");
      if (c->context().k != children_.front()->context().k)
        throw ConfigError("kernel terms built for different feature layouts");
      offsets_.push_back(total_);
      counts_.push_back(c->num_params());
      total_ += counts_.back();
    }
  }
  const KernelContext& context() const override { return children_.front()->context(); }
  // The terms' parameters in order, then own_specs(); a name met again (the same leaf in two
  // terms) gets "#2", "#3", ... so names stay unique within the composed kernel.
  std::vector<ParamSpec> param_specs() const override {
    std::vector<ParamSpec> out;
    for (const auto& c : children_) {
      auto s = c->param_specs();
      out.insert(out.end(), s.begin(), s.end());
    }
    for (auto& s : own_specs()) out.push_back(std::move(s));
    std::map<std::string, int> seen;
    for (auto& s : out)
      if (const int n = ++seen[s.name]; n > 1) s.name.append("#").append(std::to_string(n));
    return out;
  }
  int num_params() const override { return total_ + num_own(); }
  bool reads_column(int c) const override {
    return std::any_of(children_.begin(), children_.end(),
                       [c](const KernelPtr& k) { return k->reads_column(c); });
  }

 protected:
  virtual std::vector<ParamSpec> own_specs() const { return {}; }
  virtual int num_own() const { return 0; }
  Eigen::VectorXd sub(const ParamsRef& p, size_t i) const {
    return p.segment(offsets_[i], counts_[i]);
  }
  std::string joined(const char* op, bool parenthesise_sums) const;

  // The fit's path of a sum and of a product: each term's own state and its Gram's lower
  // triangle at the last gram_lower's p, which the gradient pass reads instead of evaluating
  // any term again.
  struct TermsState : KernelState {
    std::vector<std::unique_ptr<KernelState>> children;
    std::vector<Eigen::MatrixXd> grams;
    Eigen::MatrixXd scratch;  // one term's weights
  };
  void make_term_states(const Eigen::MatrixXd& X, TermsState& s) const {
    for (const auto& c : children_) {
      s.children.push_back(c->make_state(X));
      s.grams.emplace_back(X.rows(), X.rows());
    }
  }
  void term_grams_lower(const ParamsRef& p, TermsState& s) const {
    for (size_t i = 0; i < children_.size(); ++i)
      children_[i]->gram_lower(sub(p, i), *s.children[i], s.grams[i]);
  }

  std::vector<KernelPtr> children_;
  std::vector<int> offsets_, counts_;
  int total_ = 0;
};

// A weighted sum of kernels, k = sum_i c_i k_i: Sum's weights are learned (c_0 = 1, the rest its
// own parameters), Additive's are fixed. The fit's path: each term keeps its own state (a
// product's factor Grams, a leaf's tables) and its Gram's lower triangle for a learned weight's
// gradient. Without it a sum fell back to gram() and add_param_gradient() and evaluated every
// term's transcendentals again for the gradient.
class WeightedSum : public Composite {
 public:
  using Composite::Composite;
  Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd K = weight(p, 0) * children_[0]->gram(sub(p, 0), X);
    for (size_t i = 1; i < children_.size(); ++i)
      K += weight(p, i) * children_[i]->gram(sub(p, i), X);
    return K;
  }
  Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    Eigen::MatrixXd K = weight(p, 0) * children_[0]->cross(sub(p, 0), X1, X2);
    for (size_t i = 1; i < children_.size(); ++i)
      K += weight(p, i) * children_[i]->cross(sub(p, i), X1, X2);
    return K;
  }
  Eigen::VectorXd diagonal(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    Eigen::VectorXd d = weight(p, 0) * children_[0]->diagonal(sub(p, 0), X);
    for (size_t i = 1; i < children_.size(); ++i)
      d += weight(p, i) * children_[i]->diagonal(sub(p, i), X);
    return d;
  }
  std::unique_ptr<KernelState> make_state(const Eigen::MatrixXd& X) const override {
    auto s = std::make_unique<TermsState>();
    make_term_states(X, *s);
    s->scratch.resize(X.rows(), X.rows());
    return s;
  }
  void gram_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& K) const override {
    auto& s = static_cast<TermsState&>(state);
    const size_t m = children_.size();
    term_grams_lower(p, s);
    const Eigen::Index n = K.rows();
    const double c0 = weight(p, 0);
    for (Eigen::Index j = 0; j < n; ++j) {
      auto k = K.col(j).tail(n - j);
      k = c0 * s.grams[0].col(j).tail(n - j);
      for (size_t i = 1; i < m; ++i) k += weight(p, i) * s.grams[i].col(j).tail(n - j);
    }
  }
  void add_param_gradient_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& W,
                                Eigen::Ref<Eigen::VectorXd> g) const override {
    auto& s = static_cast<TermsState&>(state);
    const size_t m = children_.size();
    const Eigen::Index n = W.rows();
    // Taken first, since a term may overwrite the W it is given.
    add_weight_gradient_lower(p, s, W, g);
    for (size_t i = 1; i < m; ++i) {
      const double c = weight(p, i);
      for (Eigen::Index j = 0; j < n; ++j) s.scratch.col(j).tail(n - j) = c * W.col(j).tail(n - j);
      children_[i]->add_param_gradient_lower(sub(p, i), *s.children[i], s.scratch,
                                             g.segment(offsets_[i], counts_[i]));
    }
    if (const double c0 = weight(p, 0); c0 != 1.0)
      for (Eigen::Index j = 0; j < n; ++j) W.col(j).tail(n - j) *= c0;
    children_[0]->add_param_gradient_lower(sub(p, 0), *s.children[0], W,
                                           g.segment(offsets_[0], counts_[0]));
  }
  void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                          Eigen::Ref<Eigen::VectorXd> g) const override {
    for (size_t i = 0; i < children_.size(); ++i)
      children_[i]->add_param_gradient(sub(p, i), X, weight(p, i) * W,
                                       g.segment(offsets_[i], counts_[i]));
    add_weight_gradient(p, X, W, g);
  }
  Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    Eigen::MatrixXd G = weight(p, 0) * children_[0]->input_gradient(sub(p, 0), x, X2);
    for (size_t i = 1; i < children_.size(); ++i)
      G += weight(p, i) * children_[i]->input_gradient(sub(p, i), x, X2);
    return G;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef& p, const Eigen::VectorXd& x) const override {
    Eigen::VectorXd G = weight(p, 0) * children_[0]->diagonal_gradient(sub(p, 0), x);
    for (size_t i = 1; i < children_.size(); ++i)
      G += weight(p, i) * children_[i]->diagonal_gradient(sub(p, i), x);
    return G;
  }

 protected:
  virtual double weight(const ParamsRef& p, size_t i) const = 0;
  // g += d/d(own parameters) of sum_ab W_ab K_ab: from the terms' lower triangles at the last
  // gram_lower's p, or from the full W. Nothing for fixed weights.
  virtual void add_weight_gradient_lower(const ParamsRef&, TermsState&, const Eigen::MatrixXd&,
                                         Eigen::Ref<Eigen::VectorXd>) const {}
  virtual void add_weight_gradient(const ParamsRef&, const Eigen::MatrixXd&, const Eigen::MatrixXd&,
                                   Eigen::Ref<Eigen::VectorXd>) const {}
};

class Sum final : public WeightedSum {
 public:
  using WeightedSum::WeightedSum;
  // A sum inside a sum keeps its parentheses: with weights, (a + b) + c is not a + b + c.
  std::string expression() const override { return joined(" + ", true); }

 private:
  double weight(const ParamsRef& p, size_t i) const override {
    return i == 0 ? 1.0 : std::exp(p[weight_index(i)]);
  }
  // Each weight's gradient, sum_ab W_ab c_i k_i,ab, from the lower triangles: the strict part
  // twice, the diagonal once.
  void add_weight_gradient_lower(const ParamsRef& p, TermsState& s, const Eigen::MatrixXd& W,
                                 Eigen::Ref<Eigen::VectorXd> g) const override {
    const Eigen::Index n = W.rows();
    for (size_t i = 1; i < children_.size(); ++i) {
      double sum = 0;
      for (Eigen::Index j = 0; j < n; ++j)
        sum += 2 * W.col(j).tail(n - j).dot(s.grams[i].col(j).tail(n - j)) -
               W(j, j) * s.grams[i](j, j);
      g[weight_index(i)] += weight(p, i) * sum;
    }
  }
  void add_weight_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                           Eigen::Ref<Eigen::VectorXd> g) const override {
    for (size_t i = 1; i < children_.size(); ++i)
      g[weight_index(i)] +=
          weight(p, i) * (W.array() * children_[i]->gram(sub(p, i), X).array()).sum();
  }

  int num_own() const override { return static_cast<int>(children_.size()) - 1; }
  // Log weights start at log(0.1) (a secondary term is presumed smaller than the first) under a
  // wide log-normal prior, bounded so no term can vanish or swamp the others numerically.
  std::vector<ParamSpec> own_specs() const override {
    std::vector<ParamSpec> out;
    for (size_t i = 1; i < children_.size(); ++i) {
      ParamSpec s;
      s.name = "sum.log_weight[" + std::to_string(i) + "]";
      s.init = std::log(0.1);
      s.lower = std::log(1e-6);
      s.upper = std::log(1e3);
      s.prior = Prior::log_normal(std::log(0.1), 3.0);
      out.push_back(s);
    }
    return out;
  }
  Eigen::Index weight_index(size_t i) const { return total_ + static_cast<Eigen::Index>(i) - 1; }
};

// additive(mixture): k(w, w') = (1/k) sum_j matern52(share_j), one Matern-5/2 per domain's share
// with its own lengthscale. Mixing laws are sums of per-domain terms (BiMix's A_i / w_i^alpha_i
// ..., RegMix's and Ye et al.'s linear exponent), so a mixture effect that is a sum of
// one-dimensional functions carries their structure without their parametric form: each share's
// function is learned from every run, and the model extends along edges and faces that a full
// ARD Matern over the simplex knows nothing about. Equal weights keep it a unit-scale correlation
// with no parameter of its own; a domain that does not matter gets a long lengthscale, which makes
// its term a constant. Each term is a one-column leaf, evaluated on its distinct values, and
// streams its gradient, so a product with additive(mixture) as a factor streams too.
class Additive final : public WeightedSum, public StreamedGradient {
 public:
  // Every term is a one-column Matern (make_additive), which streams its gradient.
  Additive(std::vector<KernelPtr> terms, std::string group)
      : WeightedSum(std::move(terms)), group_(std::move(group)) {
    for (const auto& c : children_) streamed_.push_back(&dynamic_cast<const StreamedGradient&>(*c));
  }
  std::string expression() const override { return "additive(" + group_ + ")"; }

  void add_param_gradient_column(const ParamsRef& p, KernelState& state, Eigen::Index j,
                                 const Eigen::Ref<const Eigen::ArrayXd>& w,
                                 Eigen::Ref<Eigen::VectorXd> g) const override {
    auto& s = static_cast<TermsState&>(state);
    const Eigen::ArrayXd wc = w * weight(p, 0);  // every term has the same weight
    for (size_t i = 0; i < children_.size(); ++i)
      streamed_[i]->add_param_gradient_column(sub(p, i), *s.children[i], j, wc,
                                              g.segment(offsets_[i], counts_[i]));
  }

 private:
  double weight(const ParamsRef&, size_t) const override {
    return 1.0 / static_cast<double>(children_.size());
  }
  std::string group_;
  std::vector<const StreamedGradient*> streamed_;  // the terms' streamed sides, in order
};

class Product final : public Composite {
 public:
  using Composite::Composite;
  const std::vector<KernelPtr>& children() const { return children_; }
  int offset(size_t i) const { return offsets_[i]; }
  std::string expression() const override { return joined(" * ", true); }

  // The fit's path: every factor's Gram (lower triangle) is kept from the value pass, so the
  // gradient pass weighs W by the other factors without evaluating any factor again.
  std::unique_ptr<KernelState> make_state(const Eigen::MatrixXd& X) const override {
    auto s = std::make_unique<State>();
    make_term_states(X, *s);
    if (streamed_.size() == children_.size())
      s->column.resize(X.rows());
    else
      s->scratch.resize(X.rows(), X.rows());
    return s;
  }
  void gram_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& K) const override {
    auto& s = static_cast<State&>(state);
    const size_t m = children_.size();
    term_grams_lower(p, s);
    const Eigen::Index n = K.rows();
    for (Eigen::Index j = 0; j < n; ++j) {  // column by column: each stays in L1 cache
      auto k = K.col(j).tail(n - j).array();
      k = s.grams[0].col(j).tail(n - j).array();
      for (size_t i = 1; i < m; ++i) k *= s.grams[i].col(j).tail(n - j).array();
    }
  }
  void add_param_gradient_lower(const ParamsRef& p, KernelState& state, Eigen::MatrixXd& W,
                                Eigen::Ref<Eigen::VectorXd> g) const override {
    auto& s = static_cast<State&>(state);
    const size_t m = children_.size();
    const Eigen::Index n = W.rows();
    if (streamed_.size() == m) {
      // Column by column: each factor's weights W o (the others) for this column only.
      for (Eigen::Index j = 0; j < n; ++j) {
        const Eigen::Index len = n - j;
        for (size_t i = 0; i < m; ++i) {
          auto w = s.column.head(len);
          w = W.col(j).tail(len).array();
          for (size_t o = 0; o < m; ++o)
            if (o != i) w *= s.grams[o].col(j).tail(len).array();
          streamed_[i]->add_param_gradient_column(sub(p, i), *s.children[i], j, w,
                                                  g.segment(offsets_[i], counts_[i]));
        }
      }
      return;
    }
    for (size_t i = 0; i < m; ++i) {
      // W o (the other factors): into scratch, except for the last factor, which may consume W.
      Eigen::MatrixXd& Wi = i + 1 < m ? s.scratch : W;
      for (Eigen::Index j = 0; j < n; ++j) {
        auto w = Wi.col(j).tail(n - j).array();
        if (&Wi != &W) w = W.col(j).tail(n - j).array();
        for (size_t o = 0; o < m; ++o)
          if (o != i) w *= s.grams[o].col(j).tail(n - j).array();
      }
      children_[i]->add_param_gradient_lower(sub(p, i), *s.children[i], Wi,
                                             g.segment(offsets_[i], counts_[i]));
    }
  }

  Eigen::MatrixXd gram(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd K = children_[0]->gram(sub(p, 0), X);
    for (size_t i = 1; i < children_.size(); ++i)
      K.array() *= children_[i]->gram(sub(p, i), X).array();
    return K;
  }
  Eigen::MatrixXd cross(const ParamsRef& p, const Eigen::MatrixXd& X1,
                        const Eigen::MatrixXd& X2) const override {
    Eigen::MatrixXd K = children_[0]->cross(sub(p, 0), X1, X2);
    for (size_t i = 1; i < children_.size(); ++i)
      K.array() *= children_[i]->cross(sub(p, i), X1, X2).array();
    return K;
  }
  Eigen::VectorXd diagonal(const ParamsRef& p, const Eigen::MatrixXd& X) const override {
    Eigen::VectorXd d = children_[0]->diagonal(sub(p, 0), X);
    for (size_t i = 1; i < children_.size(); ++i)
      d.array() *= children_[i]->diagonal(sub(p, i), X).array();
    return d;
  }
  void add_param_gradient(const ParamsRef& p, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                          Eigen::Ref<Eigen::VectorXd> g) const override {
    const size_t m = children_.size();
    if (m == 1) {
      children_[0]->add_param_gradient(sub(p, 0), X, W, g.segment(0, total_));
      return;
    }
    std::vector<Eigen::MatrixXd> K(m);
    for (size_t i = 0; i < m; ++i) K[i] = children_[i]->gram(sub(p, i), X);
    Eigen::MatrixXd Wi(W.rows(), W.cols());
    for (size_t i = 0; i < m; ++i) {
      Wi = W;
      for (size_t j = 0; j < m; ++j)
        if (j != i) Wi.array() *= K[j].array();
      children_[i]->add_param_gradient(sub(p, i), X, Wi, g.segment(offsets_[i], counts_[i]));
    }
  }
  Eigen::MatrixXd input_gradient(const ParamsRef& p, const Eigen::VectorXd& x,
                                 const Eigen::MatrixXd& X2) const override {
    const size_t m = children_.size();
    const Eigen::MatrixXd xr = x.transpose();
    std::vector<Eigen::RowVectorXd> k(m);
    for (size_t i = 0; i < m; ++i) k[i] = children_[i]->cross(sub(p, i), xr, X2);
    Eigen::MatrixXd G = Eigen::MatrixXd::Zero(x.size(), X2.rows());
    for (size_t i = 0; i < m; ++i) {
      Eigen::RowVectorXd others = Eigen::RowVectorXd::Ones(X2.rows());
      for (size_t j = 0; j < m; ++j)
        if (j != i) others.array() *= k[j].array();
      G += (children_[i]->input_gradient(sub(p, i), x, X2).array().rowwise() * others.array())
               .matrix();
    }
    return G;
  }
  Eigen::VectorXd diagonal_gradient(const ParamsRef& p, const Eigen::VectorXd& x) const override {
    const size_t m = children_.size();
    const Eigen::MatrixXd xr = x.transpose();
    std::vector<double> d(m);
    for (size_t i = 0; i < m; ++i) d[i] = children_[i]->diagonal(sub(p, i), xr)[0];
    Eigen::VectorXd G = Eigen::VectorXd::Zero(x.size());
    for (size_t i = 0; i < m; ++i) {
      double others = 1;
      for (size_t j = 0; j < m; ++j)
        if (j != i) others *= d[j];
      G += others * children_[i]->diagonal_gradient(sub(p, i), x);
    }
    return G;
  }

 private:
  struct State final : TermsState {
    Eigen::ArrayXd column;  // one factor's weights, one column (streamed; else scratch)
  };
  // The factors' StreamedGradient sides, when every factor has one (else empty).
  std::vector<const StreamedGradient*> streamed_ = streamed_factors(children_);

  static std::vector<const StreamedGradient*> streamed_factors(const std::vector<KernelPtr>& f) {
    std::vector<const StreamedGradient*> out;
    for (const auto& c : f)
      if (const auto* sg = dynamic_cast<const StreamedGradient*>(c.get())) out.push_back(sg);
    if (out.size() != f.size()) out.clear();
    return out;
  }
};

std::string Composite::joined(const char* op, bool parenthesise_sums) const {
  std::string out;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i) out += op;
    const bool paren = parenthesise_sums && dynamic_cast<const Sum*>(children_[i].get()) != nullptr;
    if (paren) out += '(';
    out += children_[i]->expression();
    if (paren) out += ')';
  }
  return out;
}

}  // namespace

std::optional<StepSplit> split_steps(const KernelPtr& kernel) {
  if (!kernel) return std::nullopt;
  const int steps = kernel->context().k + 1;
  std::vector<KernelPtr> factors{kernel};
  std::vector<int> offsets{0};
  if (const auto* product = dynamic_cast<const Product*>(kernel.get())) {
    factors = product->children();
    offsets.clear();
    for (size_t i = 0; i < factors.size(); ++i) offsets.push_back(product->offset(i));
  }
  StepSplit out;
  std::vector<KernelPtr> run_factors, step_factors;
  for (size_t i = 0; i < factors.size(); ++i) {
    const Kernel& f = *factors[i];
    bool others = false;
    for (int c = 0; c < kernel->context().dim(); ++c)
      others = others || (c != steps && f.reads_column(c));
    if (others && f.reads_column(steps)) return std::nullopt;  // a factor mixing both sides
    auto& params = others ? out.run_params : out.step_params;
    for (int j = 0; j < f.num_params(); ++j) params.push_back(offsets[i] + j);
    (others ? run_factors : step_factors).push_back(factors[i]);
  }
  if (run_factors.empty() || step_factors.empty()) return std::nullopt;
  out.run = make_product(std::move(run_factors));
  out.steps = make_product(std::move(step_factors));
  return out;
}

KernelPtr make_product(std::vector<KernelPtr> factors) {
  if (factors.size() == 1) return factors.front();
  return std::make_shared<Product>(std::move(factors));
}
KernelPtr make_additive(const std::string& group, const KernelContext& ctx) {
  if (group != "mixture")
    throw ConfigError("additive works on the mixture columns only, not '" + group + "'");
  std::vector<KernelPtr> terms;
  for (int j = 1; j <= ctx.k; ++j) terms.push_back(make_matern52("share" + std::to_string(j), ctx));
  return std::make_shared<Additive>(std::move(terms), group);
}
KernelPtr make_sum(std::vector<KernelPtr> terms) {
  if (terms.size() == 1) return terms.front();
  return std::make_shared<Sum>(std::move(terms));
}

}  // namespace mixbo
