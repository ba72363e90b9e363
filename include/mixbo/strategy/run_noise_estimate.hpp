#pragma once
// The size of the seed noise (strategy.run_noise = auto), read from repeated runs: runs of one
// mixture, scale and step budget whose seeds differ (mfms-bo's design makes a few). A seed
// shifts a run's whole curve (README, "Declared seed noise"), so the repeats' curves lie apart
// by about the same fraction at every late checkpoint, while checkpoint noise scatters them
// around that. A one-way analysis of variance per group of repeats separates the two: the
// spread of the runs' mean deviations, less the part the checkpoint noise explains.
#include "mixbo/strategy/history.hpp"

namespace mixbo {

struct RunNoiseEstimate {
  double sd = 0;      // the shift's standard deviation, a fraction of the loss (0: none seen)
  int contrasts = 0;  // independent run-to-run contrasts behind it (0: no repeat has finished)
  double checkpoint_sd = 0;  // the checkpoint noise's, likewise, which the estimate takes out
  // Every finished repeat agrees with the runs it repeats at each of these checkpoints, bit for
  // bit: the objective does not depend on the seed, and no further repeat can tell more.
  bool exact = false;
};

// From the finished runs of `history` that share a mixture, scale and step budget
// (Observation::run_steps; runs without one, or still going, are left out), at the checkpoints
// every run of a group has in the last half of its steps: early in training the seeds' curves
// differ in ways that fade, and the GP's rows are the late checkpoints. Deviations are taken
// as fractions of the group's mean at each checkpoint, the units of strategy.run_noise.
RunNoiseEstimate estimate_run_noise(const History& history);

}  // namespace mixbo
