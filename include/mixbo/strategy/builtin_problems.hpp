#pragma once
// The multi-start problem kinds mixbo's own code hands to a Team, registered by name
// (register_problem, par/multistart.hpp) so that an MPI worker can rebuild them from bytes:
//   curve-fit      the hyperparameter fit of the GP on every checkpoint (gp/curve_fit.hpp)
//   gp-fit         the GP hyperparameter fit (gp/fit.hpp)
//   acq-refine     the acquisition's local refinement (acq/maximize.hpp)
//   bimix-law-fit  the BiMix law fit (strategy/bimix_law_fit.hpp)
// Explicit, not static initialisers: in a static library those run only for object files the
// program happens to reference. Every program that starts MPI workers calls it once before its
// first Team run (mixbo's main, bench_iteration, the MPI tests); calling it again is harmless.
// The strategy module owns it because it is the lowest module that sees all four kinds.
#include <string>
#include <vector>

namespace mixbo {

void register_builtin_problems();

// The kinds register_builtin_problems() registers, sorted.
std::vector<std::string> builtin_problem_kinds();

}  // namespace mixbo
