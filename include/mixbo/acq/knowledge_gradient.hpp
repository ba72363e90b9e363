#pragma once
// The discrete knowledge gradient of Frazier, Powell & Dayanik (2009, "The knowledge-gradient
// policy for correlated normal beliefs"):
//   KG(a, b) = E[max_j (a_j + b_j Z)] - max_j a_j,   Z ~ N(0, 1),
// the expected gain in the best of J correlated alternatives when their means move along
// a + b Z after one observation. With the lines sorted by slope, dominated ones dropped and
// c_i the breakpoints of their upper envelope,
//   KG = sum_i (b_{i+1} - b_i) h(-|c_i|),   h(z) = phi(z) + z Phi(z),
// a sum of positive terms, computed here as a log-sum-exp of log h (normal.hpp), so it stays
// accurate when KG is far below 1e-300.
#include <Eigen/Core>

namespace mixbo {

struct LogKg {
  double log_value = 0;     // log KG; -inf when one line dominates for every z (KG = 0)
  Eigen::VectorXd dlog_db;  // d log KG / d b (a held fixed); zero when KG = 0
};

// O(J log J). `gradient` false skips dlog_db (left empty).
LogKg log_knowledge_gradient(const Eigen::VectorXd& a, const Eigen::VectorXd& b, bool gradient);

}  // namespace mixbo
