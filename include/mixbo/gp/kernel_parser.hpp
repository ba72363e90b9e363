#pragma once
// Kernel expressions from a campaign config, e.g. (strategy.kernel)
//   matern52(mixture) * rbf(scale) * expdecay(steps)
// Grammar:  expr := term ('+' term)* ;  term := factor ('*' factor)* ;
//           factor := NAME '(' GROUP ')' | '(' expr ')'
// NAME is a registered kernel (kernel_registry(): matern32, matern52, rbf, expdecay,
// downsampling, linear, additive), GROUP a column group (mixture, scale, steps, all, or one
// domain's share: share1 .. sharek). '*' binds tighter than '+'. Whitespace is ignored.
// Errors are ConfigError naming the expression, the position and what was expected.
#include <functional>
#include <string>
#include <vector>

#include "mixbo/core/registry.hpp"
#include "mixbo/gp/kernel.hpp"

namespace mixbo {

KernelPtr parse_kernel(const std::string& expression, const KernelContext& ctx);

// The leaf kernels an expression may name (core/registry.hpp), like every other component: a new
// kernel is its own file plus one add() line in src/gp/kernel_parser.cpp, and the names in
// errors and in `mixbo validate --help` follow.
using KernelFactory = std::function<KernelPtr(const std::string& group, const KernelContext&)>;
const Registry<KernelFactory>& kernel_registry();

}  // namespace mixbo
