#pragma once
// Kernel expressions from a campaign config, e.g. (strategy.kernel)
//   matern52(mixture) * rbf(scale) * expdecay(steps)
// Grammar:  expr := term ('+' term)* ;  term := factor ('*' factor)* ;
//           factor := NAME '(' GROUP ')' | '(' expr ')'
// NAME is a registered kernel (built in: rbf, matern52, expdecay, downsampling), GROUP a column
// group (mixture, scale, steps, all). '*' binds tighter than '+'. Whitespace is ignored.
// Errors are ConfigError naming the expression, the position and what was expected.
#include <functional>
#include <string>
#include <vector>

#include "mixbo/gp/kernel.hpp"

namespace mixbo {

KernelPtr parse_kernel(const std::string& expression, const KernelContext& ctx);

// Adds a leaf kernel under `name` (replacing an existing one), usable in expressions.
using KernelFactory = std::function<KernelPtr(const std::string& group, const KernelContext&)>;
void register_kernel(const std::string& name, KernelFactory factory);
std::vector<std::string> registered_kernels();  // sorted

}  // namespace mixbo
