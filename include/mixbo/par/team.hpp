#pragma once
// The ranks that run multi-start tasks. Rank 0 calls run(); results come back in start order
// regardless of which rank computed each, so answers do not depend on the rank count.
//
// One failure policy for every Team (solve_start): a NumericalError thrown by a start is that
// start's expected failure, recorded in its StartResult (value +inf, error = the message), and
// the other starts go on. Any other exception is a bug: the run ends and run() throws an Error
// "multi-start problem 'KIND': task T failed on rank R: WHAT" (start_failure), on MpiTeam after
// the worker's report reached rank 0.
#include <string>
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

// Runs every start in this process, in order.
class SerialTeam : public Team {
 public:
  std::vector<StartResult> run(const MultiStartProblem& problem,
                               const std::vector<Eigen::VectorXd>& starts) override;
};

// Runs one start: a NumericalError becomes a failed StartResult, anything else propagates.
StartResult solve_start(const MultiStartProblem& problem, const Eigen::VectorXd& start);

// The Error message of a start that failed with anything but a NumericalError.
std::string start_failure(const std::string& kind, long long task, int rank,
                          const std::string& what);

}  // namespace mixbo
