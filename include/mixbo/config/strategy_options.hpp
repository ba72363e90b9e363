#pragma once
// The [strategy] section, and StrategySetup: all a strategy sees of its campaign (the problem,
// the seed, the budget and this section), never how or where runs are executed.
#include <cstdint>
#include <string>
#include <vector>

#include "mixbo/space/search_space.hpp"

namespace mixbo {

struct StrategyOptions {
  std::string type = "mfms-bo";                    // a name of strategy_registry()
  std::string acquisition = "target-ei-per-cost";  // a name of acquisition_registry()
  // The GP kernel expression, or "auto" (the default): kDefaultKernel, or kSeparableKernel with
  // checkpoints = all, whose runs x step-grid solve needs a kernel separable in the steps. "auto"
  // also gives the GP strategies' trend models (gp_bo.hpp) kTrendKernel and kDefaultKernel; an
  // expression given here is every model's kernel.
  std::string kernel = "auto";
  // The default: kTrendKernel (the loss curve over scales and steps, with a mixture effect that
  // may decorrelate across them) plus a mixture effect with its own amplitude and its own
  // correlation across scales. In kTrendKernel alone one signal variance covers the curve (most of
  // the variance) and the mixture effect (a few percent of it), which the fit can only make that
  // small with share lengthscales so long that the effect is almost linear over the simplex, and
  // the hull's minimiser of an almost linear surface is a vertex that jumps as runs arrive
  // (docs/decision-quality.md, session 34).
  static constexpr const char* kDefaultKernel =
      "matern52(all) * rbf(scale) * expdecay(steps) + matern52(mixture) * rbf(scale)";
  // The mixture effect may decorrelate across scales and step counts (matern52 over every
  // column), on top of the loss's trend in scale and steps (the one-column factors): the default
  // until session 35, now a trend model's (why: gp_bo.hpp).
  static constexpr const char* kTrendKernel = "matern52(all) * rbf(scale) * expdecay(steps)";
  // The same mixture effect at every scale and step count, up to the trend factors.
  static constexpr const char* kSeparableKernel =
      "matern52(mixture) * rbf(scale) * expdecay(steps)";
  int n_init = 10;
  // mfms-bo: the design's last design_pairs runs repeat its first mixtures at the ladder's
  // second scale (gp_bo.hpp), so the cross-scale correlation is measured before it is trusted.
  // kAutoPairs ("auto", the default): design_pairs_for() decides.
  static constexpr int kAutoPairs = -1;
  int design_pairs = kAutoPairs;
  // mfms-bo: the step count of the design's runs at the smallest scale, a step budget,
  // kFullLength ("max") or kAutoSteps ("auto", the default: design_steps_for() decides). The
  // design buys what its full-length runs would cost: runs of a quarter of the steps come four to
  // each full-length one (design_runs_for()).
  static constexpr std::int64_t kFullLength = 0;
  static constexpr std::int64_t kAutoSteps = -1;
  std::int64_t design_steps = kAutoSteps;
  // "auto" keeps each design run at or below this share of a target run's cost.
  static constexpr double kAutoDesignRunShare = 1.0 / 64;
  int batch = 0;  // proposals per round; 0 = as many as free slots
  int fit_starts = 16;
  int raw_samples = 1024;
  int refine_starts = 8;
  std::string output = "auto";  // GP strategies: model log(value) | raw value | auto
  // mfms-bo: what its GP learns from: "thinned" (the training rows, gp_bo.hpp) or "all" (every
  // checkpoint of every run for the hyperparameters and the recommendation, gp/curve_gp.hpp).
  std::string checkpoints = "thinned";
  // mfms-bo/sf-bo: where the recommended mixture may lie: "hull" (the default), the convex hull
  // of the mixtures run so far, so the answer interpolates between evidence; "simplex", the whole
  // bounded simplex (the posterior minimiser may extrapolate past every run).
  std::string recommend_within = "hull";
  // mfms-bo/sf-bo within the hull: the answer leaves the hull for the MAP GP's minimiser over the
  // whole simplex when that is more than reach_z posterior sds of their difference below the
  // MAP's minimiser within the hull (0: never).
  double reach_z = 3.0;
  // mfms-bo/sf-bo: the standard deviation of the shift a training run's seed gives its whole
  // loss curve, as a fraction of the loss (0.003: 0.3%; gp/run_effect.hpp): the GP reads one
  // run's rows as sharing that draw. Declared, not fitted; 0 (the default): rows independent.
  // Measure it from a few seeds of one small run, or let mfms-bo do so: kAutoRunNoise ("auto")
  // repeats kAutoReplicates of its design's runs with other seeds, after the design, and reads
  // the size from how far the repeats' curves lie apart (strategy/run_noise_estimate.hpp),
  // every round.
  static constexpr double kAutoRunNoise = -1;
  static constexpr int kAutoReplicates = 3;
  double run_noise = 0.0;
  // mfms-bo (thinned checkpoints, within the hull): what the recommendation and its value are
  // taken from: "transfer" (the default since session 39), the GP at the hyperparameter fit's
  // optimum together with the optima of the hypothesis that the kernel's scale correlations carry
  // across the ladder, each weighted by its posterior on the round's rows (gp/mode_mixture.hpp,
  // gp_bo.hpp); "map", that GP alone. The runs chosen are the same under both.
  std::string answer_modes = "transfer";
  int hyperband_eta = 3;
  std::string bimix_scale;            // cheap scale the bimix-law fit uses ("" = smallest)
  std::vector<double> bimix_entropy;  // per-domain entropies: bimix-law's training-free mode
  int regmix_runs = 32;               // cheap runs the regmix regression is trained on

  // ConfigError "key 'strategy.KEY' ..." for a value out of range or one that does not fit the
  // space (an unknown bimix_scale, entropies not one per domain). Component names (type,
  // acquisition, kernel) are checked where they are built, by their registries.
  void validate(const SearchSpace& space) const;
  // The paired design runs mfms-bo makes: design_pairs, or for "auto" min(3, n_init / 2) on a
  // ladder of two scales or more and none on a one-scale ladder.
  int design_pairs_for(const SearchSpace& space) const;
  // mfms-bo's design steps: design_steps, the maximum for "max", and for "auto" the longest step
  // budget whose run at the smallest scale costs at most kAutoDesignRunShare of a target run (the
  // shortest budget if none does; full length on a one-scale ladder). Measured on three ladders
  // (README, "The design's length"), the best design's runs each cost about 1/80 of a target run:
  // longer ones buy too few mixtures for the budget, shorter ones rank them less well.
  std::int64_t design_steps_for(const SearchSpace& space) const;
  // mfms-bo's repeats of its design's first runs, for the seed noise's size: with run_noise =
  // auto kAutoReplicates, or one per run at the smallest scale where there are fewer; else none.
  // They are not part of the design: one follows each of the acquisition's first runs
  // (GpBoStrategy::due_replicate).
  int design_replicates_for(const SearchSpace& space) const;
  // mfms-bo's design: n_init - pairs full-length runs' worth at the smallest scale, in runs of
  // design_steps_for() steps (max_steps / design steps of them per full-length run, rounded
  // down), then the pairs.
  int design_runs_for(const SearchSpace& space) const;
  // mfms-bo makes no more design runs once the runs so far cost this share of the budget, so that
  // a small budget still leaves the model most of it (strategy/gp_bo.hpp).
  static constexpr double kDesignShare = 1.0 / 3;
  // What mfms-bo's design costs (in target runs): where that reaches kDesignShare of a budget,
  // the design is cut short, the replicates are not made and run_noise = auto measures nothing.
  double design_cost(const SearchSpace& space) const;
  // The kernel expression the GP strategies build: `kernel` with "auto" resolved.
  std::string kernel_expression() const;
  // The trend models' kernels (gp_bo.hpp): with "auto" kTrendKernel and kDefaultKernel, two
  // structures of the scale trend that the runs below the target cannot tell apart; an
  // expression given, or checkpoints = all, kernel_expression() alone (mfms-bo then has no trend
  // model; sf-bo keeps one kernel).
  std::vector<std::string> trend_kernel_expressions() const;
};

struct StrategySetup {
  SearchSpace space;
  std::uint64_t seed = 0;  // every random choice derives from it
  double budget = 0;       // the campaign's total (Hyperband sizes its brackets by it)
  StrategyOptions options;
  std::string source;  // the campaign file (or "flags"), for messages naming a key
};

}  // namespace mixbo
