#pragma once
// A multi-start local optimisation problem: the unit of work that MPI ranks share. The GP
// hyperparameter fit and the acquisition refinement are both expressed this way, so one Team
// runs either. Convention: solve() MINIMISES (negative log posterior, negative acquisition).
//
// A problem must be reconstructible on another rank from serialize(): each concrete kind has a
// factory registered under its kind() name (register_problem), explicitly, before the first run
// (mixbo's own kinds: register_builtin_problems, strategy/builtin_problems.hpp).
#include <Eigen/Core>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mixbo/par/bytes.hpp"

namespace mixbo {

struct StartResult {
  Eigen::VectorXd x;   // the local optimum reached from this start
  double value = 0;    // objective at x (minimised)
  int iterations = 0;  // objective evaluations spent
  int status = 0;      // the local optimiser's return code (NLopt's nlopt_result)
  std::string error;   // non-empty when the start threw; value is then +inf
};

class MultiStartProblem {
 public:
  virtual ~MultiStartProblem() = default;
  virtual std::string kind() const = 0;
  virtual void serialize(ByteWriter& out) const = 0;
  // Must be deterministic in (problem, start): results may not depend on which rank ran it.
  virtual StartResult solve(const Eigen::VectorXd& start) const = 0;
};

using ProblemFactory = std::function<std::unique_ptr<MultiStartProblem>(ByteReader&)>;
// Registers (or replaces) the factory of `kind`.
void register_problem(const std::string& kind, ProblemFactory factory);
// Rebuilds a problem of `kind` from its bytes; Error when the kind is not registered.
std::unique_ptr<MultiStartProblem> make_problem(const std::string& kind, ByteReader& in);
// The registered kinds, sorted.
std::vector<std::string> registered_problem_kinds();

// Index of the best result: smallest value, ties broken by the lower task index, so the
// reduction is the same whatever order results arrive in. Throws if every start failed.
size_t best_start(const std::vector<StartResult>& results);

}  // namespace mixbo
