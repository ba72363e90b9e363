#include "mixbo/strategy/hull_minimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {

// Golden-section search for the minimum of f(w + t d) over t in [0, 1]; returns t.
double line_search(const SurrogateFunction& f, const Eigen::VectorXd& w, const Eigen::VectorXd& d,
                   int steps) {
  const double r = 0.5 * (std::sqrt(5.0) - 1);
  double a = 0, b = 1;
  double c = b - r * (b - a), e = a + r * (b - a);
  double fc = f(w + c * d, nullptr), fe = f(w + e * d, nullptr);
  for (int j = 0; j < steps; ++j) {
    if (fc < fe) {
      b = e;
      e = c;
      fe = fc;
      c = b - r * (b - a);
      fc = f(w + c * d, nullptr);
    } else {
      a = c;
      c = e;
      fc = fe;
      e = a + r * (b - a);
      fe = f(w + e * d, nullptr);
    }
  }
  return 0.5 * (a + b);
}

}  // namespace

SurrogateMinimum minimize_over_hull(const SurrogateFunction& f, const Eigen::MatrixXd& V,
                                    const HullMinimizeOptions& options) {
  if (V.rows() < 1) throw Error("minimize_over_hull: no points span the hull");
  std::vector<double> value(static_cast<size_t>(V.rows()));
  for (Eigen::Index i = 0; i < V.rows(); ++i)
    value[static_cast<size_t>(i)] = f(V.row(i).transpose(), nullptr);
  std::vector<Eigen::Index> order(value.size());
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return value[static_cast<size_t>(a)] < value[static_cast<size_t>(b)];
  });
  std::vector<Eigen::VectorXd> starts;
  for (size_t i = 0; i < order.size() && static_cast<int>(i) < options.starts; ++i)
    starts.push_back(V.row(order[i]).transpose());
  starts.push_back(V.colwise().mean().transpose());

  SurrogateMinimum best;
  best.value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd g(V.cols());
  for (Eigen::VectorXd w : starts) {
    double fw = f(w, nullptr);
    for (int it = 0; it < options.max_iterations; ++it) {
      f(w, &g);
      Eigen::Index vertex = 0;
      (V * g).minCoeff(&vertex);
      const Eigen::VectorXd d = V.row(vertex).transpose() - w;
      if (-g.dot(d) < options.gap_tolerance) break;  // w minimises the linearisation
      const double t = line_search(f, w, d, options.line_steps);
      const double ft = f(w + t * d, nullptr);
      if (!(ft < fw)) break;
      w += t * d;
      fw = ft;
    }
    if (fw < best.value) {
      best.value = fw;
      best.w = w;
    }
  }
  return best;
}

}  // namespace mixbo
