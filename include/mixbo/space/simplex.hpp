#pragma once
// The mixture domain: proportions over named data domains that sum to one, each inside
// [lower_i, upper_i] (a domain with little data cannot take a large share without repeating).
#include <Eigen/Core>
#include <string>
#include <vector>

namespace mixbo {

class BoundedSimplex {
 public:
  BoundedSimplex() = default;
  // Throws ConfigError when names repeat, a bound lies outside [0,1], lower > upper, or the
  // bounds leave no point (sum of lower > 1 or sum of upper < 1).
  BoundedSimplex(std::vector<std::string> names, Eigen::VectorXd lower, Eigen::VectorXd upper);
  explicit BoundedSimplex(std::vector<std::string> names);  // bounds [0, 1]

  int dim() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const Eigen::VectorXd& lower() const { return lower_; }
  const Eigen::VectorXd& upper() const { return upper_; }
  bool has_bounds() const;

  // Sums to one within tol and respects every bound within tol.
  bool contains(const Eigen::Ref<const Eigen::VectorXd>& w, double tol = 1e-12) const;

  // Euclidean projection onto the bounded simplex (exact up to rounding, by bisection on the
  // shift), followed by a final renormalisation that keeps the sum at one to 1e-15.
  Eigen::VectorXd project(const Eigen::Ref<const Eigen::VectorXd>& v) const;

  // Maps a point u of the unit simplex onto the bounded one without rejection: the free mass
  // 1 - sum(lower) is spread as u says, and any share over a domain's capacity is handed to the
  // domains with room left, in proportion to their share. Identity when there are no bounds.
  Eigen::VectorXd from_unit(const Eigen::Ref<const Eigen::VectorXd>& u) const;

  // The point with the most room from every bound: used as a safe default start.
  Eigen::VectorXd center() const;

 private:
  std::vector<std::string> names_;
  Eigen::VectorXd lower_, upper_;
};

}  // namespace mixbo
