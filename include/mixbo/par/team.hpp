#pragma once
// The ranks that run multi-start tasks. Rank 0 calls run(); results come back in start order
// regardless of which rank computed each, so answers do not depend on the rank count.
#include <vector>

#include "mixbo/par/multistart.hpp"

namespace mixbo {

class Team {
 public:
  virtual ~Team() = default;
  virtual std::vector<StartResult> run(const MultiStartProblem& problem,
                                       const std::vector<Eigen::VectorXd>& starts) = 0;
  virtual int size() const { return 1; }
};

// Runs every start in this process, in order. A start that throws is recorded with its error.
class SerialTeam : public Team {
 public:
  std::vector<StartResult> run(const MultiStartProblem& problem,
                               const std::vector<Eigen::VectorXd>& starts) override;
};

// Runs one start, turning an exception into a failed StartResult (shared by every Team).
StartResult solve_guarded(const MultiStartProblem& problem, const Eigen::VectorXd& start);

}  // namespace mixbo
