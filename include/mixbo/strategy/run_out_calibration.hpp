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
  // The longest extrapolation the check made: the largest distance, in the scale column (log
  // parameters), from a held-out run's scale down to the largest scale it was predicted from.
  // sd_scale says how far extrapolations up to this distance miss, not farther ones.
  double max_gap = 0;
  // The mean miss (truth minus prediction, output units) of the held-out runs at the largest
  // scale held out: the part of an extrapolation's miss that every run at one scale shares (the
  // trend's error there), which no run's posterior sd contains. The misses of runs at one scale
  // move together (demo law: every held-out 60M run -1.25 to -1.3 sd, every 150M run +1.0 to
  // +1.3 sd), so the target's prediction, one more extrapolation, is taken to share one of this
  // size. 0 until measured.
  double shared_error = 0;
};

// `run[i]` is the run of training row i of `gp` (rows of a run in step order, its last row the
// run's last checkpoint). Holds out the last `max_runs` runs (the ones nearest the campaign's
// current focus) that leave at least one other run, and the latest run of every other scale
// with runs below it (so that every rung of the ladder with runs is checked); needs `min_runs`
// of them, else returns sd_scale 1. A held-out run whose GP cannot be factorised is skipped.
RunOutCalibration run_out_calibration(const GaussianProcess& gp, const std::vector<int>& run,
                                      Eigen::Index scale_column, int max_runs = 32,
                                      int min_runs = 5);

// The runs at one scale (`scale`: its value in the scale column), each held out alone and its
// last checkpoint predicted from every other run: the root mean square of their misses (output
// units), the error of a value at that scale interpolated among its runs that no posterior sd of
// a misspecified model contains (demo law, late in a campaign: the GP's values at 1B, pulled
// towards its many 700M runs, sat 0.05-0.1% above the truth, and so did its predictions of the
// held-out 1B runs). Not measured (rms 0) while fewer than `min_runs` runs are at that scale.
struct HeldOutMiss {
  double rms = 0;
  int runs = 0;
  bool measured = false;  // at least min_runs were held out: rms is a measurement
};
HeldOutMiss leave_run_out_miss(const GaussianProcess& gp, const std::vector<int>& run,
                               Eigen::Index scale_column, double scale, int min_runs = 2);

}  // namespace mixbo
