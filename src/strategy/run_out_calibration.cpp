#include "mixbo/strategy/run_out_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {

// The last training row of each run (-1: an index no row has), once `run` is checked to hold one
// run index per row. A run's rows are in step order, so that row is its last checkpoint.
std::vector<Eigen::Index> last_rows(const std::vector<int>& run, Eigen::Index rows,
                                    const std::string& what) {
  if (static_cast<Eigen::Index>(run.size()) != rows)
    throw Error(what + ": one run index per training row is needed");
  std::vector<Eigen::Index> last(
      run.empty() ? 0 : static_cast<size_t>(*std::max_element(run.begin(), run.end()) + 1), -1);
  for (Eigen::Index i = 0; i < rows; ++i)
    last[static_cast<size_t>(run[static_cast<size_t>(i)])] = i;
  return last;
}

}  // namespace

RunOutCalibration run_out_calibration(const GaussianProcess& gp, const std::vector<int>& run,
                                      Eigen::Index scale_column, int max_runs, int min_runs) {
  RunOutCalibration out;
  const Eigen::MatrixXd& X = gp.X();
  const Eigen::VectorXd y = gp.y();
  const std::vector<Eigen::Index> last_row = last_rows(run, X.rows(), "run_out_calibration");
  // What is left when a run goes out with every run at its scale or above depends only on its
  // scale: one GP per scale serves every held-out run there (a ladder has a handful).
  struct Below {
    std::unique_ptr<GaussianProcess> gp;  // nullptr: nothing below, or it cannot be factorised
    double from = 0;                      // the largest scale below: where the extrapolation starts
  };
  std::map<double, Below> below;
  auto gp_below = [&](double scale) -> const Below& {
    auto [it, fresh] = below.try_emplace(scale);
    if (!fresh) return it->second;
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (X(i, scale_column) < scale - 1e-9) keep.push_back(i);
    if (keep.empty()) return it->second;
    it->second.from = X(keep, scale_column).maxCoeff();
    try {
      it->second.gp =
          std::make_unique<GaussianProcess>(gp.model(), X(keep, Eigen::all), y(keep), gp.theta(),
                                            gp.standardizer(), gp.run_effect().subset(keep));
    } catch (const NumericalError&) {
      // This complement cannot be factorised: the runs at this scale tell nothing.
    }
    return it->second;
  };
  double sum_z2 = 0;
  std::map<double, std::pair<double, int>> errors;  // per held-out scale: sum of misses, runs
  for (auto it = last_row.rbegin(); it != last_row.rend(); ++it) {
    const Eigen::Index last = *it;
    if (last < 0) continue;
    // Past the last max_runs, only the latest run of a scale not held out yet: every rung of
    // the ladder that has runs is checked, however long ago its runs were made.
    if (out.runs >= max_runs && errors.count(X(last, scale_column))) continue;
    // Out go the run and every run at its scale or above: what is left knows the run's scale
    // only from below, as the data knows the target.
    const Below& b = gp_below(X(last, scale_column));
    const GaussianProcess* rest = b.gp.get();
    if (!rest) continue;
    const Posterior p = rest->predict(X.row(last));
    const double var = p.variance[0] + rest->new_run_noise(p.mean[0]);
    if (!(var > 0)) continue;
    const double z = (y[last] - p.mean[0]) / std::sqrt(var);
    sum_z2 += z * z;
    auto& [sum_e, count] = errors[X(last, scale_column)];
    sum_e += y[last] - p.mean[0];
    ++count;
    ++out.runs;
    out.max_gap = std::max(out.max_gap, X(last, scale_column) - b.from);
  }
  out.measured = out.runs >= min_runs;
  if (out.measured) {
    out.sd_scale = std::sqrt(sum_z2 / out.runs);
    // The scale nearest the target that was held out: its runs' mean miss.
    const auto& [sum, count] = errors.rbegin()->second;
    out.shared_error = sum / count;
  }
  return out;
}

HeldOutMiss leave_run_out_miss(const GaussianProcess& gp, const std::vector<int>& run,
                               Eigen::Index scale_column, double scale, int min_runs) {
  HeldOutMiss out;
  const Eigen::MatrixXd& X = gp.X();
  const Eigen::VectorXd y = gp.y();
  std::map<int, Eigen::Index> last;  // run at `scale` -> its last row
  const std::vector<Eigen::Index> last_row = last_rows(run, X.rows(), "leave_run_out_miss");
  for (size_t r = 0; r < last_row.size(); ++r)
    if (last_row[r] >= 0 && std::abs(X(last_row[r], scale_column) - scale) < 1e-9)
      last[static_cast<int>(r)] = last_row[r];
  if (static_cast<int>(last.size()) < min_runs) return out;
  double sum_sq = 0;
  for (const auto& [r, row] : last) {
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (run[static_cast<size_t>(i)] != r) keep.push_back(i);
    try {
      const GaussianProcess rest(gp.model(), X(keep, Eigen::all), y(keep), gp.theta(),
                                 gp.standardizer(), gp.run_effect().subset(keep));
      const double miss = y[row] - rest.predict(X.row(row)).mean[0];
      sum_sq += miss * miss;
      ++out.runs;
    } catch (const NumericalError&) {
      // Without this run the rest cannot be factorised: it tells nothing.
    }
  }
  out.measured = out.runs >= min_runs;
  if (out.measured) out.rms = std::sqrt(sum_sq / out.runs);
  return out;
}

}  // namespace mixbo
