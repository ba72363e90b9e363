#include "mixbo/gp/kernel.hpp"

#include <charconv>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"

namespace mixbo {

ColumnRange resolve_columns(const std::string& group, const KernelContext& ctx) {
  if (ctx.k < 1) throw ConfigError("kernel context has no mixture dimension (k < 1)");
  if (group == "mixture") return {0, ctx.k};
  if (group == "scale") return {ctx.k, 1};
  if (group == "steps") return {ctx.k + 1, 1};
  if (group == "all") return {0, ctx.k + 2};
  // share1 .. sharek: one domain's share alone (the terms of additive(mixture)).
  if (group.size() > 5 && group.compare(0, 5, "share") == 0 && group[5] != '0') {
    const char* const end = group.data() + group.size();
    int j = 0;
    const auto [at, error] = std::from_chars(group.data() + 5, end, j);
    if (error == std::errc() && at == end && j >= 1) {
      if (j <= ctx.k) return {j - 1, 1};
      throw ConfigError("kernel column group '" + group + "' names a share past the " +
                        std::to_string(ctx.k) + " domains");
    }
  }
  throw ConfigError("unknown kernel column group '" + group +
                    "' (expected mixture, scale, steps, all or share1 .. share" +
                    std::to_string(ctx.k) + ")");
}

Eigen::VectorXd Kernel::default_params() const {
  const auto specs = param_specs();
  Eigen::VectorXd p(static_cast<Eigen::Index>(specs.size()));
  for (size_t i = 0; i < specs.size(); ++i) p[static_cast<Eigen::Index>(i)] = specs[i].init;
  return p;
}

namespace {
struct InputsState final : KernelState {
  Eigen::MatrixXd X;
};
}  // namespace

std::unique_ptr<KernelState> Kernel::make_state(const Eigen::MatrixXd& X) const {
  auto s = std::make_unique<InputsState>();
  s->X = X;
  return s;
}

void Kernel::gram_lower(const ParamsRef& p, KernelState& s, Eigen::MatrixXd& K) const {
  K = gram(p, static_cast<InputsState&>(s).X);
}

void Kernel::add_param_gradient_lower(const ParamsRef& p, KernelState& s, Eigen::MatrixXd& W,
                                      Eigen::Ref<Eigen::VectorXd> g) const {
  mirror_lower_to_upper(W);
  add_param_gradient(p, static_cast<InputsState&>(s).X, W, g);
}

}  // namespace mixbo
