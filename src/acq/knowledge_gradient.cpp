#include "mixbo/acq/knowledge_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mixbo/acq/normal.hpp"
#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {
constexpr double kLogSqrt2Pi = 0.91893853320467274178;
}

LogKg log_knowledge_gradient(const Eigen::VectorXd& a, const Eigen::VectorXd& b, bool gradient) {
  if (a.size() != b.size() || a.size() == 0)
    throw Error("knowledge gradient: a and b must have the same, positive length");
  const auto J = static_cast<int>(a.size());
  std::vector<int> order(static_cast<size_t>(J));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int i, int j) {
    if (b[i] != b[j]) return b[i] < b[j];
    if (a[i] != a[j]) return a[i] < a[j];
    return i < j;
  });
  // Upper envelope of the lines a_j + b_j z in increasing slope; start[m] is the z where
  // envelope line m takes over from line m-1.
  std::vector<int> env;
  std::vector<double> start;
  const double ninf = -std::numeric_limits<double>::infinity();
  for (int j : order) {
    while (!env.empty()) {
      const int t = env.back();
      if (b[t] == b[j]) {  // same slope, a[j] >= a[t]: t is never above j
        env.pop_back();
        start.pop_back();
        continue;
      }
      const double c = (a[t] - a[j]) / (b[j] - b[t]);
      if (c <= start.back()) {
        env.pop_back();
        start.pop_back();
        continue;
      }
      break;
    }
    start.push_back(env.empty() ? ninf : (a[env.back()] - a[j]) / (b[j] - b[env.back()]));
    env.push_back(j);
  }

  LogKg out;
  if (gradient) out.dlog_db = Eigen::VectorXd::Zero(J);
  if (env.size() < 2) {
    out.log_value = ninf;
    return out;
  }
  std::vector<double> terms;
  for (size_t m = 1; m < env.size(); ++m)
    terms.push_back(std::log(b[env[m]] - b[env[m - 1]]) + log_h(-std::abs(start[m])));
  const double top = *std::max_element(terms.begin(), terms.end());
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  out.log_value = top + std::log(sum);
  if (gradient) {
    // dE/db_i = phi(c_lo) - phi(c_hi) over line i's segment of the envelope (the boundary
    // terms of the breakpoints cancel because the envelope is continuous); max a has no b.
    // In log space so a KG below the smallest double still has a gradient.
    auto ratio = [&](double c) { return std::exp(-0.5 * c * c - kLogSqrt2Pi - out.log_value); };
    for (size_t m = 0; m < env.size(); ++m) {
      const double lo = m == 0 ? 0.0 : ratio(start[m]);
      const double hi = m + 1 == env.size() ? 0.0 : ratio(start[m + 1]);
      out.dlog_db[env[m]] = lo - hi;
    }
  }
  return out;
}

}  // namespace mixbo
