#pragma once
// A Team that runs the starts back to front (as a parallel team may finish them) and returns
// them in order: answers must not depend on the order starts are solved in.
#include <vector>

#include "mixbo/par/team.hpp"

namespace mixbo::test {

class ReverseTeam : public Team {
 public:
  std::vector<StartResult> run(const MultiStartProblem& problem,
                               const std::vector<Eigen::VectorXd>& starts) override {
    std::vector<StartResult> out(starts.size());
    for (size_t i = starts.size(); i-- > 0;) out[i] = solve_start(problem, starts[i]);
    return out;
  }
};

}  // namespace mixbo::test
