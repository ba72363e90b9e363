// minimize_over_hull against closed forms: a minimum inside the hull is found, one outside it
// stops at the hull's nearest point, a linear function takes its best vertex, a one-point hull
// returns that point.
#include <gtest/gtest.h>

#include "mixbo/core/error.hpp"
#include "mixbo/strategy/hull_minimize.hpp"

using namespace mixbo;

namespace hull_minimize_test {

// f(w) = |w - c|^2, with its gradient.
SurrogateFunction squared_distance_to(const Eigen::VectorXd& c) {
  return [c](const Eigen::VectorXd& w, Eigen::VectorXd* grad) {
    if (grad) *grad = 2 * (w - c);
    return (w - c).squaredNorm();
  };
}

}  // namespace hull_minimize_test

using hull_minimize_test::squared_distance_to;

TEST(HullMinimize, FindsAMinimumInsideTheHull) {
  Eigen::MatrixXd V(4, 3);
  V << 0.6, 0.2, 0.2,  //
      0.2, 0.6, 0.2,   //
      0.2, 0.2, 0.6,   //
      0.5, 0.4, 0.1;
  const Eigen::Vector3d c(0.3, 0.35, 0.35);  // 0.25 V0 + 0.375 V1 + 0.375 V2
  const SurrogateMinimum m = minimize_over_hull(squared_distance_to(c), V);
  EXPECT_LT((m.w - c).norm(), 1e-3) << m.w.transpose();
  EXPECT_NEAR(m.value, 0.0, 1e-6);
}

TEST(HullMinimize, StopsAtTheNearestPointOfTheHullWhenTheMinimumLiesOutside) {
  // A segment from a to b; c projects onto its interior at t = 0.25 and lies 0.2 off it.
  Eigen::MatrixXd V(2, 3);
  V << 0.2, 0.6, 0.2,  //
      0.6, 0.2, 0.2;
  const Eigen::Vector3d a = V.row(0), b = V.row(1);
  const Eigen::Vector3d along = b - a, off = Eigen::Vector3d(1, 1, -2).normalized();
  const Eigen::Vector3d c = a + 0.25 * along + 0.2 * off;
  const SurrogateMinimum m = minimize_over_hull(squared_distance_to(c), V);
  EXPECT_LT((m.w - (a + 0.25 * along)).norm(), 1e-4) << m.w.transpose();
  // Past an end of the segment: the end itself.
  const SurrogateMinimum e = minimize_over_hull(squared_distance_to(b + 0.5 * along), V);
  EXPECT_LT((e.w - b).norm(), 1e-4) << e.w.transpose();
}

TEST(HullMinimize, ALinearFunctionTakesItsBestPoint) {
  Eigen::MatrixXd V(3, 3);
  V << 0.5, 0.3, 0.2,  //
      0.1, 0.1, 0.8,   //
      0.3, 0.4, 0.3;
  const Eigen::Vector3d slope(1.0, -2.0, 0.5);
  const SurrogateFunction f = [&](const Eigen::VectorXd& w, Eigen::VectorXd* grad) {
    if (grad) *grad = slope;
    return slope.dot(w);
  };
  const SurrogateMinimum m = minimize_over_hull(f, V);
  EXPECT_TRUE(m.w.isApprox(V.row(2).transpose(), 1e-12)) << m.w.transpose();
}

TEST(HullMinimize, AOnePointHullIsThatPointAndAnEmptyOneIsAnError) {
  Eigen::MatrixXd V(1, 3);
  V << 0.2, 0.3, 0.5;
  const SurrogateMinimum m = minimize_over_hull(squared_distance_to(Eigen::Vector3d(1, 0, 0)), V);
  EXPECT_TRUE(m.w == V.row(0).transpose());
  EXPECT_THROW(
      minimize_over_hull(squared_distance_to(Eigen::Vector3d(1, 0, 0)), Eigen::MatrixXd(0, 3)),
      Error);
}
