#pragma once
// Baseline: the BiMix data-mixing law (Ge et al. 2024), fitted on runs at ONE cheap scale.
//
// 1. Design: max(n_init, 3k) full-length runs at strategy.bimix_scale (default: the smallest
//    scale) on a scrambled-Sobol design of mixtures (space-filling, so every domain's share
//    varies from its lower bound to large: what makes each alpha_i identifiable). Each run's
//    learning curve supplies the step dimension: its checkpoints from max_steps / 20 on, thinned
//    to at most 24 per run evenly in log steps, are the fit's observations.
// 2. Fit the aggregate law (bimix_law_fit.hpp) on every observation at that scale, once the
//    design has finished (failed runs are replaced by further design points; while design runs
//    are still pending, free slots also get further design points rather than waiting).
// 3. Minimise the law at full steps over the bounded simplex (minimize_surrogate) and train that
//    mixture once at the target scale and full steps.
// 4. Spend the rest of the budget in further stages, each the same design at the next larger
//    scale below the target: the law is fitted on that scale alone (closer to the target, as a
//    BiMix user with more compute would do) and its minimiser is trained at the target when it
//    is a new answer (more than 0.01 from every mixture trained there so far). The campaign
//    ends when every scale below the target has had its stage or the budget is spent.
// The law has no model-size term: its minimiser at the cheap scale is taken as the target's
// (BiMix's own assumption, and the reason it is a baseline here).
//
// Entropy mode (training-free): when strategy.bimix_entropy gives one entropy per domain (e.g.
// the conditional entropy of each domain's data in nats/token, computed by the user), the
// mixture is softmax(entropy) — proportions proportional to exp(H_i), our reading of BiMix's
// entropy-driven mixtures — projected onto the bounded simplex; the campaign trains it once at
// the target to measure it and stops.
//
// Recommendation: the best verified minimiser (or the entropy mixture), with its measured target
// value; before the first has finished the law's minimiser with the law's prediction AT THE FIT
// SCALE (labelled as such), with an interval of +-1.96 x the fit's RMSE (an in-sample error:
// only a rough guide).
#include <optional>

#include "mixbo/strategy/bimix_scale_fit.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

class BimixLawStrategy : public Strategy {
 public:
  BimixLawStrategy(const StrategySetup& setup, Team& team);
  std::string name() const override { return "bimix-law"; }
  std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                             int q) override;
  Recommendation recommend(const History& history) override;
  Diagnostics diagnostics() const override { return diag_; }

  int fit_scale() const { return scale_; }
  int design_size() const { return n_design_; }
  Eigen::VectorXd design_point(int j) const;  // j-th mixture of the design sequence
  // The law fitted on the history's observations at `scale`, if there are enough.
  std::optional<BimixFit> fit(const History& history, int scale);
  // The scale of design stage `stage` (0: bimix_scale, then each next larger scale below the
  // target); -1 past the last stage.
  int stage_scale(int stage) const;
  // softmax(entropy) on the bounded simplex (entropy mode only).
  Eigen::VectorXd entropy_mixture() const;

 private:
  struct Plan {
    int scale = 0;  // the law's fit scale
    std::optional<BimixFit> fit;
    Eigen::VectorXd w;  // the mixture to train at the target (empty: not known yet)
    double predicted = 0;
  };
  Plan plan(const History& history, int scale);
  // A stage's design so far: proposed (a prefix of the design sequence), still pending,
  // finished; `next` is the first design point not yet proposed.
  struct StageState {
    int proposed = 0, waiting = 0, finished = 0, next = 0;
    int failed() const { return proposed - waiting - finished; }
  };
  StageState stage_state(const History& history, const std::vector<Point>& pending,
                         int scale) const;
  // Mixtures trained at the target scale and full steps that are not design points.
  std::vector<Eigen::VectorXd> verified(const History& history) const;

  StrategySetup setup_;
  Team* team_;
  int scale_ = 0;
  int n_design_ = 0;
  Eigen::MatrixXd design_;  // a fixed-length prefix of the design sequence
  BimixScaleFitter fitter_;
  Diagnostics diag_;
};

}  // namespace mixbo
