#pragma once
// How far to trust a GP's predictive spread, measured by holding out whole runs.
//
// A GP whose structure is misspecified (here: a product kernel that assumes the mixture effect is
// the same at every scale and step, which real and simulated objectives violate) is over- or
// under-confident however well its hyperparameters are fitted. The mean squared standardised
// error of its cross-validation predictions estimates the factor its predictive variance is off
// by (Bachoc, "Cross validation and maximum likelihood estimations of hyper-parameters of
// Gaussian processes with model misspecification", CSDA 2013). The held-out unit is a whole run,
// because a run's checkpoints are near-duplicates of each other (leaving out one checkpoint
// tests interpolation along a curve, not the question a recommendation answers); the prediction
// is the run's last checkpoint from every other run, with the same hyperparameters and output
// standardisation: a mixture's final value at a scale, unseen, which is what a recommendation
// predicts at the target.
#include <Eigen/Core>
#include <vector>

#include "mixbo/gp/gaussian_process.hpp"

namespace mixbo {

struct RunOutCalibration {
  double sd_scale = 1.0;  // sqrt(mean z^2) over the held-out runs; 1 when too few
  int runs = 0;           // runs held out (0: not measured)
  bool measured = false;  // at least min_runs were held out: sd_scale is a measurement
};

// `run[i]` is the run of training row i of `gp` (rows of a run in step order, its last row the
// run's last checkpoint). Holds out the last `max_runs` runs (the ones nearest the campaign's
// current focus) that leave at least one other run; needs `min_runs` of them, else returns
// sd_scale 1. A held-out run whose GP cannot be factorised is skipped.
RunOutCalibration run_out_calibration(const GaussianProcess& gp, const std::vector<int>& run,
                                      Eigen::Index scale_column, int max_runs = 32,
                                      int min_runs = 5);

}  // namespace mixbo
