#pragma once
// The concrete kernels. Each leaf acts on one column group (see kernel.hpp) and keeps its
// hyperparameters in log space:
//
//   rbf(g)        ARD squared exponential   exp(-r^2/2),           r^2 = sum_d (dx_d / l_d)^2
//   matern32(g)   ARD Matern-3/2            (1 + s) e^{-s},         s = sqrt(3) r
//   matern52(g)   ARD Matern-5/2            (1 + s + s^2/3) e^{-s}, s = sqrt(5) r
//                 params: log l_d for every column d of the group
//   expdecay(steps)  freeze-thaw / exponential-decay learning-curve kernel (BoTorch's form)
//                 k(t, t') = w + beta^alpha / (t + t' + beta)^alpha,
//                 t = exp(feature) / ctx.step_unit (feature = log steps, so t = steps / 1000
//                 by default). params: log alpha, log beta, log w. The offset w keeps the
//                 prior variance at full length away from 0 (without it k(t,t) -> 0 as t grows,
//                 and the target prediction would be certain a priori).
//   downsampling(scale)  fidelity kernel of BoTorch's DownsamplingKernel, in model scale:
//                 k(m, m') = c + (u u')^(1 + delta),
//                 u = max(0, ctx.target_log_params - feature) / ln 10   (decades below target)
//                 params: log c, log delta. At the target u = 0, so the target is correlated
//                 with every scale through c only, and the bias term grows with distance.
//   linear(mixture)  k(w, w') = w . w' on the shares: f(w) = sum_j b_j w_j, b_j ~ N(0, 1)
//                 (kernels_linear.cpp). No params: in a sum its amplitude is the sum's weight.
//   additive(mixture)  (1/k) sum_j matern52(share_j): a sum of per-domain effects, as mixing
//                 laws are (kernels_composite.cpp). params: one log lengthscale per share.
//
// Composition: sum and product of any kernels; parameters are the children's, concatenated in
// order. Leaves are unit-scale: the GP adds the one signal variance.
#include <optional>
#include <string>
#include <vector>

#include "mixbo/gp/kernel.hpp"

namespace mixbo {

KernelPtr make_rbf(const std::string& group, const KernelContext& ctx);
KernelPtr make_matern32(const std::string& group, const KernelContext& ctx);
KernelPtr make_matern52(const std::string& group, const KernelContext& ctx);
KernelPtr make_expdecay(const std::string& group, const KernelContext& ctx);      // steps only
KernelPtr make_downsampling(const std::string& group, const KernelContext& ctx);  // scale only
KernelPtr make_linear(const std::string& group, const KernelContext& ctx);        // mixture only
KernelPtr make_additive(const std::string& group, const KernelContext& ctx);      // mixture only
KernelPtr make_product(std::vector<KernelPtr> factors);

// A kernel that is a product k_run(everything but steps) * k_steps(steps), split into its two
// sides (each the product of its factors), with the positions of each side's parameters in the
// whole kernel's parameter vector. nullopt when the kernel is not such a product: a sum, a
// factor reading the steps and another column, or no factor on one of the sides.
struct StepSplit {
  KernelPtr run;
  KernelPtr steps;
  std::vector<int> run_params, step_params;
};
std::optional<StepSplit> split_steps(const KernelPtr& kernel);
KernelPtr make_sum(std::vector<KernelPtr> terms);

}  // namespace mixbo
