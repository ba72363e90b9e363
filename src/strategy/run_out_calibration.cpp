#include "mixbo/strategy/run_out_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "mixbo/core/error.hpp"

namespace mixbo {

RunOutCalibration run_out_calibration(const GaussianProcess& gp, const std::vector<int>& run,
                                      Eigen::Index scale_column, int max_runs, int min_runs) {
  RunOutCalibration out;
  const Eigen::MatrixXd& X = gp.X();
  const Eigen::VectorXd y = gp.y();
  if (static_cast<Eigen::Index>(run.size()) != X.rows())
    throw Error("run_out_calibration: one run index per training row is needed");
  if (run.empty()) return out;
  const int n_runs = *std::max_element(run.begin(), run.end()) + 1;
  // What is left when a run goes out with every run at its scale or above depends only on its
  // scale: one GP per scale serves every held-out run there (a ladder has a handful).
  // nullptr: nothing below that scale, or a complement that cannot be factorised.
  std::map<double, std::unique_ptr<GaussianProcess>> below;
  auto gp_below = [&](double scale) -> const GaussianProcess* {
    auto [it, fresh] = below.try_emplace(scale);
    if (!fresh) return it->second.get();
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (X(i, scale_column) < scale - 1e-9) keep.push_back(i);
    if (keep.empty()) return nullptr;
    try {
      it->second = std::make_unique<GaussianProcess>(gp.model(), X(keep, Eigen::all), y(keep),
                                                     gp.theta(), gp.standardizer());
    } catch (const NumericalError&) {
      // This complement cannot be factorised: the runs at this scale tell nothing.
    }
    return it->second.get();
  };
  double sum_z2 = 0;
  for (int r = n_runs - 1; r >= 0 && out.runs < max_runs; --r) {
    Eigen::Index last = -1;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (run[static_cast<size_t>(i)] == r) last = i;  // a run's rows are in step order
    if (last < 0) continue;
    // Out go the run and every run at its scale or above: what is left knows the run's scale
    // only from below, as the data knows the target.
    const GaussianProcess* rest = gp_below(X(last, scale_column));
    if (!rest) continue;
    const Posterior p = rest->predict(X.row(last));
    const double var = p.variance[0] + rest->noise_variance();
    if (!(var > 0)) continue;
    const double z = (y[last] - p.mean[0]) / std::sqrt(var);
    sum_z2 += z * z;
    ++out.runs;
  }
  out.measured = out.runs >= min_runs;
  if (out.measured) out.sd_scale = std::sqrt(sum_z2 / out.runs);
  return out;
}

}  // namespace mixbo
