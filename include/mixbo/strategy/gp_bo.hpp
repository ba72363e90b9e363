#pragma once
// The GP-based strategies, one class in two modes:
//   mfms-bo  multi-fidelity multi-scale BO: one GP over features (w, log params, log steps)
//            with the kernel of strategy.kernel, trained on the checkpoints of every run; the
//            acquisition (strategy.acquisition, acq/acquisition.hpp) is maximised over w for
//            every (scale, step budget) pair of the ladder x step grid, at the target scale
//            and above full length only, and over the pairs.
//   sf-bo    the same GP machinery restricted to the target scale and full steps: it trains
//            on the final checkpoints of target runs only and proposes only target runs.
//
// Rounds: the first runs are an initial design of scrambled-Sobol mixtures (space-filling,
// continued past failed runs). sf-bo: strategy.n_init full-length runs at the target. mfms-bo:
// runs at the SMALLEST scale, then the pairs below. A full-length run at the smallest scale costs
// about 1% of a target run on the paper's ladder and reports its whole learning curve, so the
// design buys the mixture effect at every step for little; a first version drew Dirichlet(1)
// mixtures at random scales and step budgets below the target, and needed 4x the cost to come
// within 0.5% on the law family, 6x on the paper simulator (README, Benchmark). How long the
// design's runs are is strategy.design_steps (StrategyOptions::design_steps_for): by default
// (auto) the longest step budget whose run at the smallest scale costs at most 1/64 of a target
// run, so full length on the paper's ladder (1/77) and a quarter of the steps on the long ladder
// (examples/long-ladder.ini, 1/20 at full length); the design then has as many runs as cost
// what its n_init - pairs full-length runs would (StrategyOptions::design_runs_for), and the
// runs' hull, within which the answer lies, grows that much faster. Over four ladders the best
// design run cost about 1/80 of a target run; shorter ones gave earlier answers everywhere, and
// on the paper's ladder lost the law family's holds (docs/decision-quality.md, sessions 25-31).
// With strategy.design_pairs = p (mfms-bo; default min(3, n_init / 2) on a ladder of two scales
// or more, StrategyOptions::design_pairs_for), the design's last p runs repeat its first p
// mixtures at the ladder's second scale: design runs at one scale say nothing about how the mixture
// effect carries across scales, which the model then takes from its prior; pairs measure it before
// the model relies on it (docs/experiments.md, "Paired design"); the pairs are full length. The
// design is cut short once the runs so far cost a third of the budget (kDesignShare), so that a
// small budget still leaves the model most of it. Every proposal fits the budget left. Later
// rounds update the GP (see below) and choose q points one after the other:
// pending runs and the batch members chosen so far are fantasised into the GP at their final
// checkpoint with the posterior mean as their value (Kriging believer), then the acquisition is
// maximised (acq/maximize.hpp) and the best candidate is taken that neither duplicates a
// pending/chosen run nor is covered by an earlier run (same mixture and scale, no more steps:
// its curve already holds that checkpoint). Randomness comes from (campaign seed, iteration).
//
// Training data thinning: a run to z steps reports z / interval checkpoints (195 for a full
// paper run) that are strongly correlated along the curve; the GP keeps at most
// kCheckpointsPerRun of them per run (fewer once there are many runs, so that the training set
// stays near kMaxTrainingRows; never fewer than the last one): the last and then halving the
// steps back from it (19500, 9700, 4800, ... for a full paper run), so the exact GP stays
// affordable and its rows describe the late curve that decides the final loss. Each kept row's
// value is read from the run's checkpoints around it (kCheckpointWindow), so the checkpoints
// thinning leaves out still average the noise of a measured loss.
//
// Outputs (strategy.output): the GP models log(value) when every value is positive ("auto",
// the default, or "log"), else the raw value. Losses span a factor of several between a 20M
// model's early checkpoints and the target; on the log scale the mixture effect is closer to
// one size at every scale. Recommendations are transformed back (median and 95% interval).
//
// Seed noise (strategy.run_noise, 0 by default): a declared fraction of the loss by which a run's
// seed shifts its whole curve. Every GP of the strategy (decision, modes, trends, the run-out
// check's) then reads the rows of one run as sharing one draw, a run effect in the noise
// (gp/run_effect.hpp, run_effect below); pending runs are fantasised as runs of their own, and
// the acquisition adds the shift's variance to a new run's noise. With run_noise = auto the
// design's first runs are repeated after it, one after each of the acquisition's first runs
// (due_replicate), and each round's training set takes the size the finished repeats
// measure (strategy/run_noise_estimate.hpp; 0 until one has finished). A repeat that agrees with
// its run at every checkpoint (an exact objective) adds no rows of its own (training_set), and
// no repeat is made after it.
//
// Hyperparameters: a full MAP fit (fit_gp with strategy.fit_starts starts through the Team,
// start 0 = the previous optimum within this process) on the first model and whenever the cost
// of the runs behind the data has grown by kRefitGrowth since the last fit (about a dozen fits
// in a campaign, spaced evenly in log cost, the last ones after the large runs have reported;
// the thinned row count stops growing halfway); in between, the GP is conditioned
// on the new data with the previous hyperparameters (one Cholesky instead of thousands). With
// strategy.checkpoints = all (mfms-bo) the fit sees every checkpoint of every run instead of
// the thinned rows (gp/curve_fit.hpp: the runs x step-grid structure makes 10,000 checkpoints
// affordable), and so does the recommendation (below): the minimiser of the posterior mean of
// the GP on every checkpoint, in the same region (within the runs' hull, or on the simplex
// refined from the thinned model's minimiser and a Sobol design), with that GP's interval. The
// acquisition stays on the thinned rows, conditioned with those hyperparameters and that fit's
// output standardisation: it is written against the exact GP.
//
// Recommendation: the minimiser of the posterior mean at (target scale, max steps) over the convex
// hull of the mixtures run so far (strategy.recommend_within = hull, the default; Frank-Wolfe,
// strategy/hull_minimize.hpp), or over the whole bounded simplex (= simplex: raw Sobol candidates
// + SLSQP refinement through the Team): past every run the mean is the fitted mixture effect
// extrapolated to a face or vertex that no run supports (docs/experiments.md, "Where the answer may
// lie"). Within the hull, the answer still leaves it for the MAP GP's minimiser over the whole
// simplex when the model puts that more than strategy.reach_z posterior sds (of the two values'
// difference, from their joint posterior) below its own hull minimiser (reach_past_hull): an
// optimum at a vertex the design's runs do not span (the paper simulator's train_CE head: the
// Github vertex) is then recommended once the runs say so firmly, not only once a run lands
// there. With checkpoints = all the same region applies to the GP on every checkpoint. With the
// mean and a 95% interval of the latent posterior, widened (never narrowed; the choice of mixture
// does not depend on it) by the run-out check (run_out_calibration.hpp): its sd times s >= 1, how
// many posterior sds the model misses an unseen run's final value by, and, in quadrature, the error
// no posterior sd contains: while the target is extrapolated to, the miss the runs at the largest
// held-out scale shared; once two or more runs at the target exist, the root mean square miss of
// each of them held out alone (with one, nothing predicts it from another: the miss from below
// stands). Valid as soon as the GP has data. The value is stated at the target once a run at or
// above the target scale has reported (a ladder may go beyond the target), or once the check has
// held out at least 5 runs and made an extrapolation at least 1 / kCheckedReach as long (in log
// parameters) as the one from the largest scale observed to the target; before that (the design's
// runs are at the two smallest scales, which say little about how the loss falls to the target) it
// is stated at the largest scale observed, at its longest steps, with no interval (mixbo status
// then reads "no estimate at 1B yet (20M@19500 ...)"). Once runs at the target scale and full steps
// exist, the best of them is recommended instead unless the minimiser's mean is below its observed
// value: an extrapolation must be expected to beat a verified result before it replaces it (on the
// paper simulator the posterior minimiser alone drifted to a mixture 3% worse than a target run the
// campaign had already made).
//
// Hyperparameter modes (strategy.answer_modes = transfer): the fit's optimum is one answer to how
// far the mixture effect carries across scales, and the runs below the target often cannot
// choose. On the design's runs (20M and 60M) the MAP may let the default kernel's added mixture
// term decorrelate within one e-fold of parameters, with a second mode, in which it carries to
// the target, 0.6-1.4 nats below (docs/decision-quality.md, session 38); the first run at a new
// scale then moves the MAP's answer to that run's mixture. At each refit two more single-start
// fits begin from the MAP optimum and from the model's defaults with every scale lengthscale set
// to 4x the ladder's span in log parameters (transfer_modes); the distinct optima they reach are
// kept until the next refit. Each round the answer minimises, within the hull, the mean of the
// decision GP and those modes on the round's rows, weighted by their posterior there
// (gp/mode_mixture.hpp), and the value is the Gaussian mixture of the modes' values (each with its
// own run-out check). The acquisition, and the answer it targets, stay the MAP GP's, so the runs
// are answer_modes = map's and only the answers differ.
//
// The modes are fitted again, for the answer alone, when rows from a scale the last fit's rows did
// not reach first arrive: then also from the MAP optimum itself, whose rows lacked that scale. The
// hyperparameters are refitted when the runs' cost has grown 1.5x, so a new scale's first runs
// (short, and cheap beside the design) would otherwise be read for several rounds with
// hyperparameters fitted where nothing told how the mixture effect carries to that scale: on the
// demo law, 2 of 30 seeds whose answers left 1% there now hold within it (docs/decision-quality.md,
// session 40). Refitting the decision GP itself there changed the runs
// and made later answers worse (sessions 37 and 41: demo law holds 27 -> 22 of 30).
//
// The value and its interval take in other extrapolations of the scale trend. Past the largest
// scale run the decision GP's constant mean reverts towards the data's level, so where the loss
// keeps falling it states the target too high (demo law, 10 seeds: 9 of the 10 misses at cost
// 0.3-1 had the truth below the interval). A trend model, a GP with a linear mean centred at the
// target (c + b'(x - x0), GpOptions::mean_origin: c is the level there, b the fall per e-fold of
// parameters and of steps), continues the trend straight, so where the loss saturates towards an
// irreducible level it states the target too low (law family: members whose misses were all
// optimistic). Runs below the target cannot tell which holds, so the value is the midpoint of the
// models' lowest and highest and the interval the union of their intervals, each scaled by its
// own run-out check and held-out misses; where they agree (interpolation, runs at the target)
// that is any model's. The trend models are refitted at the first recommendation after each
// refit of the decision GP (start 0 their own previous optimum) and do not choose the mixture:
// as the decision model's mean a linear term pinned the paper simulator's answers to a vertex
// (docs/decision-quality.md, session 17), and either mean alone left one objective's intervals
// at 60-88% (session 26). Their kernels are StrategyOptions::trend_kernel_expressions(): by
// default the decision kernel's first term, matern52(all) * rbf(scale) * expdecay(steps), and the
// decision kernel itself (sessions 35-36), two structures of the scale trend that each missed one
// objective the other covered:
// - the decision kernel's added mixture term has no steps factor, so it can carry part of the
//   scale effect as the same at every step count; from a larger scale's short runs it then
//   states the target's full-length value too high (long ladder, law-family member 10: the
//   decision GP 4.1%, the value with a trend model of the same kernel 2.6-2.9%, in 40 rounds
//   running, 56% of that member's rounds covered; with the first term's trend model 100%);
// - with the first term's trend model alone, law-family member 6 (paper ladder) stated values
//   0.6-0.9% too high once runs at the target existed (74% of its rounds covered; with the
//   decision kernel's 100%).
// With checkpoints = all the value is the GP on every checkpoint's alone.
#include <memory>
#include <optional>

#include "mixbo/acq/acquisition.hpp"
#include "mixbo/gp/curve_gp.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/gaussian_process.hpp"
#include "mixbo/gp/mode_mixture.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

class GpBoStrategy : public Strategy {
 public:
  enum class Fidelity { kMulti, kSingle };
  static constexpr int kCheckpointsPerRun = 6;
  static constexpr size_t kMaxTrainingRows = 300;
  // A training row's value is read from its run's checkpoints within this many e-folds of its
  // steps (curve_smoothing.hpp): 19 checkpoints at the end of a paper-ladder run, 5 at 4,800
  // steps, none but itself at 1,200. Wide enough to average a checkpoint's noise several times
  // over, narrow enough that the curve's bend over it stays far below the answer's tolerance.
  static constexpr double kCheckpointWindow = 0.1;
  static constexpr double kDesignShare = StrategyOptions::kDesignShare;
  static constexpr double kRefitGrowth = 1.5;
  // How much longer than the longest extrapolation the run-out check has made (in log scale)
  // the recommendation's extrapolation to the target may be for its value to be stated there.
  static constexpr double kCheckedReach = 1.5;

  GpBoStrategy(const StrategySetup& setup, Team& team, Fidelity fidelity);
  std::string name() const override { return fidelity_ == Fidelity::kMulti ? "mfms-bo" : "sf-bo"; }
  std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                             int q) override;
  Recommendation recommend(const History& history) override;
  Diagnostics diagnostics() const override { return diag_; }
  // The fitted hyperparameters (the next fit's warm start, and the GP until the next refit), the
  // data cost they were fitted at (the refit schedule), their output standardisation
  // (checkpoints = all), the trend models' hyperparameters and the data cost they were fitted at,
  // and the last recommendation (a target point of the knowledge gradient).
  StrategyState save_state() const override;
  void restore_state(const StrategyState& state) override;

  // The GP's training set for a history (after thinning / the single-fidelity filter).
  struct TrainingSet {
    Eigen::MatrixXd X;  // feature rows
    Eigen::VectorXd y;
    Eigen::MatrixXd mixtures;      // distinct mixtures of the runs the rows come from
    bool log_output = false;       // y holds log(value) (strategy.output)
    std::vector<int> run;          // run of each row (0, 1, ...; a run's rows in step order)
    double run_noise = 0;          // strategy.run_noise, or with auto the estimate from the history
    int run_noise_contrasts = -1;  // auto: the repeats' contrasts behind run_noise (-1: declared)
    bool run_noise_exact = false;  // auto: the repeats agree with their runs bit for bit
  };
  // thinned = false: every checkpoint of every run (strategy.checkpoints = all fits on it).
  TrainingSet training_set(const History& history, bool thinned = true) const;
  // The rows' run effect (gp/run_effect.hpp) of size ts.run_noise; none where that is 0.
  RunEffect run_effect(const TrainingSet& ts) const;

 private:
  // The models (gp_bo_model.cpp). The decision GP on the thinned rows of `history` (nullptr
  // while there are none), kept with those rows (gp_rows_) until the history grows: propose and
  // recommend of one round share it.
  std::shared_ptr<const GaussianProcess> model_for(const History& history);
  // A trend model (the value's, below): its kernel with a linear mean at the target, its fitted
  // hyperparameters and the fit_cost_ they were fitted at.
  struct TrendModel {
    GpModel model;
    std::optional<Eigen::VectorXd> theta;
    double fit_cost = -1;
  };
  // Trend model i on the decision GP's rows, gp_rows_ (call model_for(history) first): refitted
  // when the decision GP was, else conditioned on the new rows with its last hyperparameters.
  std::shared_ptr<const GaussianProcess> trend_model_for(size_t i, const History& history);
  // Trend model i's prefix in the state and the diagnostics: "trend", "trend2", ...
  static std::string trend_name(size_t i);
  // Every checkpoint as a runs x step grid, and its outputs (log or raw, as training_set).
  std::pair<CurveGrid, Eigen::VectorXd> every_checkpoint(const History& history) const;
  // checkpoints = all: the GP on every checkpoint at the current hyperparameters (what the
  // recommendation is taken from), and the minimiser of its posterior mean at `target`.
  struct CurveModel {
    CurveGrid grid;
    StepSplit split;
    Standardizer standardizer;  // the fit's
    Eigen::VectorXd ys;
    std::optional<CurveGp> gp;  // refers to grid and split: the struct stays where it is made
    Posterior posterior(const Eigen::MatrixXd& X) const;  // as GaussianProcess::predict
  };
  std::unique_ptr<CurveModel> curve_model(const History& history) const;
  Eigen::VectorXd curve_minimiser(const CurveModel& curve, const AcqPair& target,
                                  const Eigen::VectorXd& start, std::uint64_t seed) const;
  bool model_every_checkpoint() const {
    return fidelity_ == Fidelity::kMulti && setup_.options.checkpoints == "all";
  }
  // strategy.answer_modes = transfer: the optima of the hypothesis that the kernel's scale
  // correlations carry across the ladder, fitted beside the MAP optimum `map` on the rows `ts`;
  // with `local`, also the optimum nearest `map` (the MAP of rows `map` was not fitted on). Those
  // distinct from `map` and from each other.
  std::vector<Eigen::VectorXd> transfer_modes(const TrainingSet& ts, const History& history,
                                              const Eigen::VectorXd& map, const FitOptions& options,
                                              bool local);
  // How many scales the rows of `ts` come from.
  int distinct_scales(const TrainingSet& ts) const;
  // The decision GP `gp` (built on gp_rows_) with the transfer modes on the same rows; nullopt
  // without modes, or where every mode but the decision GP has a negligible weight.
  std::optional<ModeMixture> answer_mixture(const std::shared_ptr<const GaussianProcess>& gp) const;
  // The minimiser of `gp`'s posterior mean at `target` over the whole bounded simplex (raw Sobol
  // candidates + SLSQP refinement through the Team).
  Eigen::VectorXd simplex_minimiser(const std::shared_ptr<const GaussianProcess>& gp,
                                    const AcqPair& target, std::uint64_t seed);
  // strategy.reach_z: simplex_minimiser(gp, target, seed), where its mean is more than reach_z
  // posterior sds (of the two values' difference) below the mean at `hull_w`, the same GP's
  // minimiser within the runs' hull; nullopt elsewhere.
  std::optional<Eigen::VectorXd> reach_past_hull(const std::shared_ptr<const GaussianProcess>& gp,
                                                 const Eigen::VectorXd& hull_w,
                                                 const AcqPair& target, std::uint64_t seed);
  // The recommendation, in three steps (gp_bo_recommend.cpp). The answer: the mixture
  // recommended, and the MAP GP's own answer where the answer is the modes' (the acquisition's
  // target point; nullopt: the answer itself).
  struct Answer {
    Eigen::VectorXd w;
    std::optional<Eigen::VectorXd> map_w;
  };
  // The minimiser at `target` (within the hull, or over the simplex) of the GP the answer comes
  // from: the GP on every checkpoint (`curve`), the modes, or the decision GP `gp`.
  Answer choose_answer(const std::shared_ptr<const GaussianProcess>& gp, const AcqPair& target,
                       const CurveModel* curve, const ModeMixture* modes, std::uint64_t seed);
  // The best run at the target, in place of an answer the model does not expect to beat it.
  void prefer_verified_run(const History& history, const GaussianProcess& gp, const AcqPair& target,
                           const CurveModel* curve, const ModeMixture* modes, Answer& answer);
  // The value of r.w and its interval, where the runs let them be stated.
  void state_value(const History& history, const std::shared_ptr<const GaussianProcess>& gp,
                   const AcqPair& target, const CurveModel* curve, const ModeMixture* modes,
                   Recommendation& r);
  std::vector<Point> initial_design(const History& history, int count) const;
  // Runs in the initial design: n_init (sf-bo), StrategyOptions::design_runs_for (mfms-bo).
  int design_size() const;
  // strategy.run_noise = auto (mfms-bo): the next repeat of one of the design's first runs, if
  // one is due after the runs of `history` and of the batch chosen so far. The repeats come after
  // the design, one after each of the acquisition's first runs, so that the acquisition starts
  // where it does without them: as the design's last runs they delayed it by three runs, and
  // the answers at cost 0.3 with it (docs/decision-quality.md, session 55). None where the
  // design was cut short by the budget (kDesignShare) or the repeat would not fit the budget,
  // and none after a finished repeat agreed with its run bit for bit (RunNoiseEstimate::exact):
  // the objective does not depend on the seed, and the others would spend for nothing.
  std::optional<Point> due_replicate(const History& history, const std::vector<Point>& batch) const;
  // The seed of one random stream of round `iteration`: derived from the campaign seed, the round
  // and what it is for, so that no round's choices depend on how many random numbers an earlier
  // round drew, and a resumed campaign makes the choices it would have made without the stop.
  std::uint64_t derived_seed(std::uint64_t iteration, std::uint64_t purpose) const;
  // Purposes of the derived seeds (any distinct constants), and the design's Sobol scrambling.
  enum SeedPurpose : std::uint64_t {
    kSeedFit = 2,
    kSeedTargets = 3,
    kSeedAcq = 4,  // + 16 x the batch member
    kSeedRecommend = 5,
    kSeedModes = 6,
    kSeedMes = 7,  // and 8
    kSeedDesign = 0x4d464d53000001ULL,
  };
  // The model a saved state belongs to: strategy, kernels and what the GP learns from.
  std::string state_key() const;
  // The (scale, steps) pairs the acquisition ranges over, those a run of fits `budget_left`.
  std::vector<AcqPair> pairs(double budget_left) const;
  // One (scale, steps) pair with its feature columns and log cost.
  AcqPair acq_pair(int scale, std::int64_t steps) const;
  // The target scale at full steps, the point every answer is chosen for.
  AcqPair target_pair() const;
  Eigen::MatrixXd target_points(const GaussianProcess& gp, const TrainingSet& ts,
                                std::uint64_t seed) const;
  // mes-per-cost: the target's feature columns and samples of its lowest loss into `spec`.
  void set_minimum_samples(const GaussianProcess& gp, const TrainingSet& ts,
                           std::uint64_t iteration, AcqSpec& spec);

  StrategySetup setup_;
  Team& team_;
  Fidelity fidelity_;
  AcqKind kind_;
  GpModel model_;
  std::optional<Eigen::VectorXd> theta_;  // previous optimum (fit start 0)
  std::vector<Eigen::VectorXd> modes_;    // the answer's modes (transfer_modes)
  int modes_scales_ = 0;                  // distinct_scales of the rows modes_ were fitted on
  // The outputs' standardisation theta_ was fitted in, when it was not the training rows' own
  // (checkpoints = all); nullopt: each GP standardises its rows.
  std::optional<Standardizer> standardizer_;
  std::shared_ptr<const GaussianProcess> gp_;
  TrainingSet gp_rows_;             // the rows gp_ was built on
  size_t gp_key_ = 0;               // observation count gp_ was built on
  double fit_cost_ = 0;             // cost of the runs behind the last hyperparameter fit's data
  std::vector<TrendModel> trends_;  // one per StrategyOptions::trend_kernel_expressions()
  // The last answer of the decision GP itself (with transfer modes, not the answer stated): a
  // target point of the acquisition (target_points).
  std::optional<Eigen::VectorXd> last_recommendation_;
  Diagnostics diag_;
};

}  // namespace mixbo
