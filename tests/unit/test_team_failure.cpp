// The failure policy every Team shares (par/team.hpp), here for SerialTeam; tests/mpi/
// test_mpi_team.cpp holds MpiTeam to the same at 1, 2 and 4 ranks. A NumericalError in a start
// is that start's failure and the other starts go on; any other exception is a bug and ends the
// run with an Error naming the problem, the task and the rank (SerialTeam used to record it as
// one more failed start, so `mixbo bench` went on where `mixbo run` stopped).
#include <gtest/gtest.h>

#include <cmath>

#include "mixbo/core/error.hpp"
#include "mixbo/par/team.hpp"
#include "throwing_problem.hpp"

using namespace mixbo;
using mixbo::test::ThrowingProblem;

namespace {

std::vector<Eigen::VectorXd> index_starts(int n) {
  std::vector<Eigen::VectorXd> s;
  for (int i = 0; i < n; ++i) s.push_back(Eigen::Vector2d(i, 0.5 * i));
  return s;
}

}  // namespace

TEST(TeamFailurePolicy, NumericalErrorFailsOneStartAndTheOthersGoOn) {
  SerialTeam team;
  const auto r = team.run(ThrowingProblem(2, -1), index_starts(5));
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[2].error, "singular at task 2");
  EXPECT_TRUE(std::isinf(r[2].value));
  EXPECT_TRUE(r[2].x.isApprox(index_starts(5)[2]));
  for (int i : {0, 1, 3, 4}) {
    EXPECT_TRUE(r[static_cast<size_t>(i)].error.empty()) << i;
    EXPECT_EQ(r[static_cast<size_t>(i)].value, 10 - i) << i;
  }
  EXPECT_EQ(best_start(r), 4u);
}

TEST(TeamFailurePolicy, AnyOtherExceptionEndsTheRunNamingTaskAndRank) {
  SerialTeam team;
  try {
    team.run(ThrowingProblem(1, 3), index_starts(6));
    FAIL() << "a std::logic_error in a start must not become a failed start";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "multi-start problem 'test-throwing': task 3 failed on rank 0: bug at task 3");
  }
}

TEST(TeamFailurePolicy, SolveStartRecordsOnlyNumericalErrors) {
  const ThrowingProblem p(0, 1);
  const StartResult r = solve_start(p, Eigen::Vector2d(0, 0));
  EXPECT_EQ(r.error, "singular at task 0");
  EXPECT_THROW(solve_start(p, Eigen::Vector2d(1, 0)), std::logic_error);
}
