#pragma once
// Minimises a smooth surrogate of the objective (a fitted law or regression, not the GP
// acquisition) over the bounded simplex: a scrambled-Sobol sweep, then NLopt SLSQP (bounds plus
// the equality constraint sum w = 1, analytic gradient) from the best sweep points. The result
// is projected onto the simplex so it lies on it to rounding. Used by the bimix-law and regmix
// baselines.
#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "mixbo/space/simplex.hpp"

namespace mixbo {

// Value at w; when grad != nullptr, also d value / d w (length k) written to *grad.
using SurrogateFunction = std::function<double(const Eigen::VectorXd& w, Eigen::VectorXd* grad)>;

struct SurrogateMinimum {
  Eigen::VectorXd w;
  double value = 0;
};

// `floor` lifts zero lower bounds to a small positive share, for surrogates that diverge at
// w_i = 0 (power laws in w). The sweep has `sweep` points; `starts` of them are refined.
SurrogateMinimum minimize_surrogate(const SurrogateFunction& f, const BoundedSimplex& simplex,
                                    std::uint64_t seed, int sweep = 1024, int starts = 4,
                                    double floor = 1e-6);

}  // namespace mixbo
