#pragma once
// Baseline: RegMix (Liu et al. 2024): many small, short proxy runs on random mixtures, a
// regression from mixture to loss, then the predicted-best mixture at the target.
//
// 1. strategy.regmix_runs cheap runs at the smallest scale and the shortest step budget of at
//    least max_steps / 4, on Dirichlet(1) mixtures of the bounded simplex (a fixed seeded
//    sequence, so the design does not depend on when it is proposed).
// 2. Once 3/4 of them have finished (while fewer have, free slots get further cheap runs),
//    MixtureRidge on every finished cheap run (mixture_regression.hpp).
// 3. The rest of the budget: target-scale, full-length runs of the predicted-best mixtures.
//    The first is RegMix's own choice, the average of the 100 best-predicted mixtures of a
//    scrambled-Sobol sweep of 8192 (robust to the regression's noise); the next ones are the
//    best-predicted sweep mixtures at L1 distance >= 0.1 from every target run so far.
//
// Recommendation: the best observed target run; before any, the top-100 average with the
// regression's prediction AT THE CHEAP FIDELITY and +-1.96 x its leave-one-out RMSE.
#include <optional>

#include "mixbo/strategy/mixture_regression.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

class RegMix : public Strategy {
 public:
  explicit RegMix(const StrategySetup& setup);
  std::string name() const override { return "regmix"; }
  std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                             int q) override;
  Recommendation recommend(const History& history) override;
  Diagnostics diagnostics() const override { return diag_; }

  Point cheap_run(int j) const;  // the j-th run of the design sequence
  std::optional<MixtureRidge> regression(const History& history);

  static constexpr int kTopAverage = 100;
  static constexpr int kSweep = 8192;
  static constexpr double kMinDistance = 0.1;  // L1, between target runs

 private:
  // Sweep mixtures sorted by predicted value, and the top-100 average.
  struct Ranking {
    MixtureRidge model;
    Eigen::MatrixXd sorted;  // rows: sweep mixtures, best predicted first
    Eigen::VectorXd average;
    double average_pred = 0;
  };
  std::optional<Ranking> rank(const History& history);

  StrategySetup setup_;
  std::int64_t cheap_steps_ = 0;
  Eigen::MatrixXd design_;
  Eigen::MatrixXd sweep_;
  Diagnostics diag_;
};

}  // namespace mixbo
