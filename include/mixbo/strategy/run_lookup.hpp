#pragma once
// Looking runs up in a History by their coordinates, for baselines that rebuild their
// bookkeeping from the history (a restarted campaign hands a fresh strategy only the history).
// Mixtures are compared exactly up to `kSameMixture`: a proposal comes back from the archive
// bit-identical, so any tolerance well below the spacing of distinct proposals works.
#include <optional>
#include <vector>

#include "mixbo/strategy/history.hpp"

namespace mixbo {

inline constexpr double kSameMixture = 1e-9;

bool same_mixture(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double tol = kSameMixture);
// Same mixture, scale and step budget.
bool same_run(const Point& a, const Point& b);
bool contains_run(const std::vector<Point>& runs, const Point& p);

// The objective of run p at its own step budget (its last checkpoint), if observed. With several
// matching observations (a repeated run) the first recorded is used.
std::optional<double> final_value(const History& h, const Point& p);

}  // namespace mixbo
