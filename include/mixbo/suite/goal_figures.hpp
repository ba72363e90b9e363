#pragma once
// Issue 13's thresholds (suite/goals.hpp checks them) and how a figure that a goal reads is
// printed: in the goal verdicts and in every bench table that shows the same figure (the
// coverage and speedup columns, the ratios to the best other strategy, the family's summary),
// rounding never carries a figure onto the goal's other side, so that a coverage of 89.94% does
// not read "90%" in one table and "no: 89.9%" in another.
#include <string>

namespace mixbo {

inline constexpr double kGoalSpeedup = 3.0;   // the paper's speedup over every other strategy
inline constexpr double kGoalHolds = 0.9;     // share of the seeds within eps that held
inline constexpr double kGoalCoverage = 0.9;  // share of the 95% intervals that held the truth

// `v` to `precision` decimals (table_number), except where rounding would carry it onto the
// goal's other side (89.7 is not "90" against 90, nor 2.996 "3.00" against 3): then to one more
// decimal, rounded away from the goal. at_most: the goal is reached when v <= goal.
std::string against_goal(double v, double goal, int precision, bool at_most = false);

// A share as a whole percentage against kGoalCoverage ("93%", "89.9%"; "-" for NaN).
std::string coverage_percent(double share);

// A paper speedup to two decimals against kGoalSpeedup ("3.00x", "2.996x"; "-" for NaN).
std::string speedup_times(double speedup);

}  // namespace mixbo
