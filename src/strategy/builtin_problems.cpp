#include "mixbo/strategy/builtin_problems.hpp"

#include "mixbo/acq/maximize.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/par/multistart.hpp"
#include "mixbo/strategy/bimix_law_fit.hpp"

namespace mixbo {

void register_builtin_problems() {
  register_problem("acq-refine", &AcqRefineProblem::deserialize);
  register_problem("bimix-law-fit", &BimixLawFitProblem::deserialize);
  register_problem("curve-fit", &CurveFitProblem::deserialize);
  register_problem("gp-fit", &GpFitProblem::deserialize);
}

std::vector<std::string> builtin_problem_kinds() {
  return {"acq-refine", "bimix-law-fit", "curve-fit", "gp-fit"};
}

}  // namespace mixbo
