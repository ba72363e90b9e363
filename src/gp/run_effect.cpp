#include "mixbo/gp/run_effect.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

RunEffect::RunEffect(std::vector<int> run, const Eigen::VectorXd& y, double sd, bool log_output)
    : run_(std::move(run)), sd_(sd), log_output_(log_output) {
  if (!(sd >= 0) || !std::isfinite(sd))
    throw Error("run effect: the shift's sd must be finite and >= 0, got " + std::to_string(sd));
  if (static_cast<Eigen::Index>(run_.size()) != y.size())
    throw Error("run effect: " + std::to_string(run_.size()) + " run ids for " +
                std::to_string(y.size()) + " rows");
  group();
  // One loading per run, from its last row (its most steps): constant along the run, so the
  // shift says nothing about the curve's shape (see the header).
  loading_ = Eigen::VectorXd::Zero(y.size());
  for (const auto& g : groups_)
    for (Eigen::Index i : g) loading_[i] = loading_at(y[g.back()]);
}

double RunEffect::loading_at(double y) const {
  return (log_output_ ? sd_ : sd_ * std::abs(y)) / unit_;
}

double RunEffect::dloading_at(double y) const {
  return log_output_ ? 0.0 : sd_ * (y < 0 ? -1.0 : 1.0) / unit_;
}

double RunEffect::variance_at(double y) const {
  const double a = loading_at(y);
  return a * a;
}

void RunEffect::group() {
  groups_.clear();
  if (empty()) return;
  std::map<int, size_t> index;
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(run_.size()); ++i) {
    auto [it, fresh] = index.try_emplace(run_[static_cast<size_t>(i)], groups_.size());
    if (fresh) groups_.emplace_back();
    groups_[it->second].push_back(i);
  }
}

RunEffect RunEffect::standardised(double scale) const {
  RunEffect out = *this;
  out.loading_ /= scale;
  out.unit_ *= scale;
  return out;
}

void RunEffect::add_to(Eigen::MatrixXd& K, bool lower_only) const {
  if (empty()) return;
  if (K.rows() != loading_.size() || K.cols() != loading_.size())
    throw Error("run effect: covariance is " + std::to_string(K.rows()) + " x " +
                std::to_string(K.cols()) + ", the effect has " + std::to_string(loading_.size()) +
                " rows");
  for (const auto& g : groups_)
    for (size_t a = 0; a < g.size(); ++a)
      for (size_t b = 0; b <= a; ++b) {
        // g is in row order, so g[a] >= g[b]: (g[a], g[b]) is in the lower triangle.
        const double v = loading_[g[a]] * loading_[g[b]];
        K(g[a], g[b]) += v;
        if (!lower_only && a != b) K(g[b], g[a]) += v;
      }
}

double RunEffect::quadratic_form(const Eigen::VectorXd& v) const {
  double sum = 0;
  for (const auto& g : groups_) {
    double dot = 0;
    for (Eigen::Index i : g) dot += loading_[i] * v[i];
    sum += dot * dot;
  }
  return sum;
}

double RunEffect::trace_with_lower(const Eigen::MatrixXd& A) const {
  double sum = 0;
  for (const auto& g : groups_)
    for (size_t a = 0; a < g.size(); ++a) {
      sum += loading_[g[a]] * loading_[g[a]] * A(g[a], g[a]);
      for (size_t b = 0; b < a; ++b) sum += 2 * loading_[g[a]] * loading_[g[b]] * A(g[a], g[b]);
    }
  return sum;
}

RunEffect RunEffect::subset(const std::vector<Eigen::Index>& rows) const {
  RunEffect out;
  out.sd_ = sd_;
  out.log_output_ = log_output_;
  out.unit_ = unit_;
  if (run_.empty()) return out;
  out.loading_.resize(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    out.run_.push_back(run_.at(static_cast<size_t>(rows[i])));
    out.loading_[static_cast<Eigen::Index>(i)] = loading_[rows[i]];
  }
  out.group();
  return out;
}

std::vector<int> RunEffect::fresh_runs(Eigen::Index count) const {
  int next = run_.empty() ? 0 : *std::max_element(run_.begin(), run_.end()) + 1;
  std::vector<int> out;
  for (Eigen::Index i = 0; i < count; ++i) out.push_back(next++);
  return out;
}

RunEffect RunEffect::with_new_runs(const Eigen::VectorXd& y_new) const {
  RunEffect out = *this;
  if (run_.empty()) return out;
  const std::vector<int> fresh = fresh_runs(y_new.size());
  out.run_.insert(out.run_.end(), fresh.begin(), fresh.end());
  out.loading_.conservativeResize(loading_.size() + y_new.size());
  for (Eigen::Index j = 0; j < y_new.size(); ++j)
    out.loading_[loading_.size() + j] = loading_at(y_new[j]);
  out.group();
  return out;
}

void RunEffect::serialize(ByteWriter& out) const {
  out.put<double>(sd_);
  out.put<std::uint8_t>(log_output_ ? 1 : 0);
  out.put<double>(unit_);
  out.put<std::uint64_t>(run_.size());
  for (int r : run_) out.put<std::int32_t>(r);
  out.put(loading_);
}

RunEffect RunEffect::deserialize(ByteReader& in) {
  RunEffect e;
  e.sd_ = in.get<double>();
  e.log_output_ = in.get<std::uint8_t>() != 0;
  e.unit_ = in.get<double>();
  const auto n = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) e.run_.push_back(in.get<std::int32_t>());
  e.loading_ = in.get_vector();
  if (e.loading_.size() != static_cast<Eigen::Index>(n))
    throw Error("serialized run effect has inconsistent sizes");
  e.group();
  return e;
}

}  // namespace mixbo
