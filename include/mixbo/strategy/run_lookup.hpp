#pragma once
// Looking runs up in a History by their coordinates, for baselines that rebuild their
// bookkeeping from the history (a restarted campaign hands a fresh strategy only the history).
// Mixtures are compared exactly up to `kSameMixture`: a proposal comes back from the archive
// bit-identical, so any tolerance well below the spacing of distinct proposals works.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
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

// The same lookups against a whole History in O(log n) each, for strategies that look up every
// run of a long campaign every round (hyperband: a linear scan per lookup made a budget-20
// campaign take minutes). Built once per round. Mixtures are keyed on a 1e-12 grid: archive
// round trips are bit-identical, so equal mixtures share a key.
class RunIndex {
 public:
  explicit RunIndex(const History& h);
  bool contains(const Point& p) const { return runs_.count(key(p)) > 0; }
  std::optional<double> final_value(const Point& p) const;

 private:
  using Key = std::tuple<int, std::int64_t, std::vector<std::int64_t>>;
  static Key key(const Point& p);
  std::set<Key> runs_;
  std::map<Key, double> values_;  // first recorded observation at each (mixture, scale, step)
};

}  // namespace mixbo
