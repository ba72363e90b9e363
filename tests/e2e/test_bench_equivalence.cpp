// `mixbo bench`'s in-memory campaigns replay run_loop with the simulated executor run for run,
// for every strategy of this build (random is in the unit suite).
#include "bench_test_support.hpp"

namespace {

class BenchVsLoop : public ::testing::TestWithParam<std::string> {};

TEST_P(BenchVsLoop, SameProposalsAndRecommendations) {
  // Budgets where each makes target runs (a run never takes the spend past the budget), with
  // mfms-bo kept short: its rounds fit a GP.
  mixbo::test::expect_bench_replays_loop(GetParam(), GetParam() == "mfms-bo" ? 0.12 : 1.2);
}

std::vector<std::string> strategies() {
  std::vector<std::string> s;
  for (const auto& n : mixbo::default_bench_strategies())
    if (n != "random") s.push_back(n);
  return s;
}

INSTANTIATE_TEST_SUITE_P(Strategies, BenchVsLoop, ::testing::ValuesIn(strategies()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
