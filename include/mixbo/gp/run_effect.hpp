#pragma once
// Seed noise as a known part of the observation noise: a training run's seed shifts its whole
// loss curve, so every row the GP takes from one run carries the same draw (README, "With seed
// noise"). The shift's size is declared as a fraction sd of the run's loss (strategy.run_noise):
// on a log output, rows i and j of one run covary by sd^2 on top of the kernel and the checkpoint
// noise; on a raw output by (sd |v_r|)^2, v_r the run's last row. The surface the GP infers, and
// every prediction, variance and answer taken from it, has no such term: a run effect is noise,
// not a property of the mixture.
//
// The loading is one per run, the same at every step of it. A loading that followed each
// checkpoint's level (an absolute shift seen on a log output, sd / value_i) makes the shift
// partly identifiable from the shape of the run's own curve, and the GP then reads the curve
// model's misfit as a run's shift and corrects the run's late rows by it: on the demo law with
// seed noise that answered 0.82% off at cost 5 where no run effect answers 0.31% and this form
// 0.29% (docs/decision-quality.md, session 52).
//
// The variance is declared, not fitted: fitted to the runs (session 51's `samerun` kernel term)
// it takes up the kernel's misfit along a run on objectives that have no seed noise at all, and
// a run then tells less about its neighbours. The data cannot tell a run's shift from its
// mixture's effect without repeated runs; the user can, from a few seeds of one small run, and
// so can mfms-bo, from repeats of its design's runs (strategy.run_noise = auto,
// strategy/run_noise_estimate.hpp).
#include <Eigen/Core>
#include <vector>

#include "mixbo/par/bytes.hpp"

namespace mixbo {

class RunEffect {
 public:
  RunEffect() = default;  // none: every row's noise independent
  // run[i]: the run of row i (any ints; equal = same run); y: the rows' outputs as the GP takes
  // them (log(value) when log_output); sd: the shift's standard deviation as a fraction of the
  // loss. Throws Error on a size mismatch or a bad sd.
  RunEffect(std::vector<int> run, const Eigen::VectorXd& y, double sd, bool log_output);

  bool empty() const { return sd_ == 0 || run_.empty(); }
  double sd() const { return sd_; }
  bool log_output() const { return log_output_; }
  const std::vector<int>& run() const { return run_; }
  const Eigen::VectorXd& loading() const { return loading_; }

  // The loading of a run whose last row has output y (the GP's raw output, log(value) on a log
  // output): sd on a log output, sd |y| on a raw one, in this effect's units (standardised());
  // and its derivative in y.
  double loading_at(double y) const;
  double dloading_at(double y) const;
  // The variance a new run's shift adds to its reading at output y (loading_at(y)^2; 0 if empty).
  double variance_at(double y) const;

  // The same effect in units of `scale` (the GP's standardised outputs): every loading, and
  // loading_at, divided by it.
  RunEffect standardised(double scale) const;
  // Adds a_i a_j to K(i, j) for every pair of rows of one run, the diagonal included (K: n x n,
  // lower triangle only, or both).
  void add_to(Eigen::MatrixXd& K, bool lower_only) const;

  // v' R v, and tr(A R) for a symmetric A given by its lower triangle (R: this effect's matrix,
  // a_i a_j between rows of one run): what the likelihood's gradient needs of R.
  double quadratic_form(const Eigen::VectorXd& v) const;
  double trace_with_lower(const Eigen::MatrixXd& A) const;

  // This effect on rows `rows` (in that order).
  RunEffect subset(const std::vector<Eigen::Index>& rows) const;
  // This effect with rows of new runs appended (outputs y_new; each row its own run, a run id
  // no existing row has): a fantasised run is a run of its own.
  RunEffect with_new_runs(const Eigen::VectorXd& y_new) const;

  void serialize(ByteWriter& out) const;
  static RunEffect deserialize(ByteReader& in);

 private:
  std::vector<int> run_;
  Eigen::VectorXd loading_;  // in units of unit_
  double sd_ = 0;
  bool log_output_ = false;
  double unit_ = 1;  // loadings are in units of this (standardised())
  // The rows of each run, in row order (add_to and the gradient's terms); none when empty().
  std::vector<std::vector<Eigen::Index>> groups_;
  void group();
  // Ids of `count` runs none of this effect's rows belongs to.
  std::vector<int> fresh_runs(Eigen::Index count) const;
};

}  // namespace mixbo
