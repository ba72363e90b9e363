// GP engine speed on one core (a plain program, not Google Benchmark; no MPI):
//
//  1. P4: for issue 14's kernel matern52(mixture) * rbf(scale) * expdecay(steps) (--kernel EXPR:
//     another, e.g. mfms-bo's default since session 12), k = 7, on the
//     bench data set (bench_data.hpp) at each --n: one log marginal likelihood + gradient
//     evaluation as the fit runs it (LikelihoodWorkspace reused) next to one bare Cholesky
//     (Eigen LLT, in place) of the same n x n covariance, best of --reps interleaved repetitions,
//     and their RATIO; also the kernel evaluation alone (gram_lower) and the inverse from the
//     factor (inverse_from_cholesky_in_place), which are parts of the LML + gradient; and the LML
//     and gradient norm at the model's initial theta, to compare builds (MIXBO_ARCH) by.
//  2. P1 (--iteration-n > 0): one BO iteration on one rank: fit_gp with 16 starts (SerialTeam),
//     (screened: fit.hpp; --no-screen runs every start to convergence, for comparison),
//     then maximize_acquisition of LogEI at the target pair (512 raw candidates, 64 SLSQP
//     refinements); then the same fit with flat priors (maximum likelihood, the objective
//     scikit-learn maximises; line `ml_fit`, not timed as part of the iteration). --data-out FILE
//     writes that data set (features, standardised outputs) as CSV for bench/gp_vs_sklearn.py,
//     which runs this program and scikit-learn on the same data.
//
//   bench_gp [--n 500,1000,2000] [--reps 5] [--iteration-n 500] [--no-screen] [--data-out FILE]
//            [--kernel EXPR] [--curves 100x100] [--truncation T] [--max-rank R] [--eval-only]
// --n 0 skips part 1, --iteration-n 0 part 2, --curves 0x0 part 3 (P5, bench/README.md).
#include <Eigen/Cholesky>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_data.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/par/allocator.hpp"
#include "mixbo/par/team_program.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

using namespace mixbo;
using namespace mixbo::bench;

namespace {

struct Options {
  std::vector<int> ns = {500, 1000, 2000};
  int reps = 5;
  int iteration_n = 500;
  std::string data_out;
  bool no_screen = false;
  int curve_runs = 100, curve_steps = 100;  // P5: runs x checkpoints (0: skip)
  double truncation = CurveOptions{}.truncation;
  int max_rank = CurveOptions{}.max_rank;
  bool eval_only = false;             // P5: one likelihood evaluation per layout, no fits
  std::string kernel = kBenchKernel;  // P4 and P1 (P5 needs a kernel separable in the steps)
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class F>
double timed(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return seconds_since(t0);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

void likelihood_vs_cholesky(const Options& o) {
  std::printf("# P4: LML + gradient vs one Cholesky (best of %d), load average %s\n", o.reps,
              load_average().c_str());
  std::printf("%6s %14s %12s %8s %12s %12s %12s %22s %10s\n", "n", "lml+grad_ms", "cholesky_ms",
              "ratio", "lml_only_ms", "kernel_ms", "inverse_ms", "lml", "|grad|");
  for (const int n : o.ns) {
    const Data d = make_data(n, o.kernel);
    const Eigen::VectorXd ys = Standardizer::fit(d.y).apply(d.y);
    const Eigen::VectorXd theta = d.model.initial();
    const Eigen::VectorXd p = d.model.kernel_params(theta);
    Eigen::MatrixXd K = d.model.kernel().gram(p, d.X) * d.model.signal_variance(theta);
    K.diagonal().array() += d.model.noise_variance(theta);
    LikelihoodWorkspace ws(d.model, d.X);
    const auto state = d.model.kernel().make_state(d.X);
    Eigen::MatrixXd A(n, n), G(n, n);
    Eigen::VectorXd grad;
    const double lml = log_marginal_likelihood(d.model, d.X, ys, theta, &grad, &ws);
    double t_lml = 1e300, t_chol = 1e300, t_val = 1e300, t_kern = 1e300, t_inv = 1e300;
    for (int r = 0; r < o.reps; ++r) {
      A = K;
      t_chol = std::min(t_chol, timed([&] {
                          Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(A);
                          if (llt.info() != Eigen::Success) throw NumericalError("bench: LLT");
                        }));
      t_inv = std::min(t_inv, timed([&] { inverse_from_cholesky_in_place(A); }));
      t_lml = std::min(
          t_lml, timed([&] { log_marginal_likelihood(d.model, d.X, ys, theta, &grad, &ws); }));
      t_val = std::min(
          t_val, timed([&] { log_marginal_likelihood(d.model, d.X, ys, theta, nullptr, &ws); }));
      t_kern = std::min(t_kern, timed([&] { d.model.kernel().gram_lower(p, *state, G); }));
    }
    // The LML and gradient norm at the default theta: compare builds (MIXBO_ARCH) with them.
    std::printf("%6d %14.2f %12.2f %8.2f %12.2f %12.2f %12.2f %22.15g %10.6g\n", n, 1e3 * t_lml,
                1e3 * t_chol, t_lml / t_chol, 1e3 * t_val, 1e3 * t_kern, 1e3 * t_inv, lml,
                grad.norm());
    std::fflush(stdout);
  }
}

void write_csv(const std::string& path, const Eigen::MatrixXd& X, const Eigen::VectorXd& ys) {
  std::ofstream out(path);
  if (!out) throw Error("bench_gp: cannot write " + path);
  out.precision(17);
  for (Eigen::Index j = 0; j < X.cols(); ++j) out << "x" << j << ",";
  out << "ys\n";
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    for (Eigen::Index j = 0; j < X.cols(); ++j) out << X(i, j) << ",";
    out << ys[i] << "\n";
  }
}

void one_iteration(const Options& o) {
  const int n = o.iteration_n;
  const Data d = make_data(n, o.kernel);
  if (!o.data_out.empty()) write_csv(o.data_out, d.X, Standardizer::fit(d.y).apply(d.y));
  std::printf("# P1: one BO iteration on one rank, n = %d, load average %s\n", n,
              load_average().c_str());
  SerialTeam team;
  Rng rng = make_rng(2024, 2);
  // 16 starts, L-BFGS; screened: 5 evaluations each, the best 2 continue, up to 400 evaluations
  // (fit.hpp). --no-screen runs every start to convergence (the fit before screening).
  FitOptions fo;
  if (o.no_screen) fo.screen_evaluations = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const FitResult fit = fit_gp(d.model, d.X, d.y, team, rng, std::nullopt, fo);
  const double fit_s = seconds_since(t0);
  long evals = 0;
  for (const auto& s : fit.starts) evals += s.iterations;
  const auto gp = std::make_shared<const GaussianProcess>(fit.gp);
  MaximizeOptions mo;
  mo.raw_samples = 512;
  mo.refine_starts = 64;
  mo.max_evaluations = 200;
  mo.seed = 2024;
  const auto t1 = std::chrono::steady_clock::now();
  const auto cands =
      maximize_acquisition(gp, target_logei(*gp, d), BoundedSimplex(kDomains), team, mo);
  const double acq_s = seconds_since(t1);
  std::printf(
      "iteration n=%d fit_s=%.3f acq_s=%.3f total_s=%.3f fit_starts=%d screen=%d refine=%d "
      "fit_evaluations=%ld lml=%.6f log_posterior=%.6f acq_best=%.10g\n",
      n, fit_s, acq_s, fit_s + acq_s, fo.starts, fo.screen_evaluations, fo.refine_starts, evals,
      fit.log_marginal_likelihood, fit.log_posterior, cands.front().value);
  std::fflush(stdout);
  // The same fit with flat priors (maximum likelihood, what scikit-learn maximises), for the
  // like-for-like comparison of likelihoods in gp_vs_sklearn.py; not part of the iteration.
  GpModel ml_model = d.model;
  ml_model.set_all_priors_flat();
  Rng ml_rng = make_rng(2024, 2);
  const auto t2 = std::chrono::steady_clock::now();
  const FitResult ml = fit_gp(ml_model, d.X, d.y, team, ml_rng, std::nullopt, fo);
  const double ml_s = seconds_since(t2);
  long ml_evals = 0;
  for (const auto& s : ml.starts) ml_evals += s.iterations;
  std::printf("ml_fit n=%d fit_s=%.3f fit_evaluations=%ld lml=%.6f\n", n, ml_s, ml_evals,
              ml.log_marginal_likelihood);
  std::fflush(stdout);
}

// P5: every checkpoint of every run. R runs (Dirichlet mixtures, scales from the ladder below
// the target) each report C checkpoints evenly up to kMaxSteps: n = R C observations of the
// bimix simulator's StackExchange_CE + N(0, 0.01) noise. First with every run at full length,
// then with each run stopped after a random 25-100% of its checkpoints (the general layout).
// For each: one likelihood + gradient evaluation, the 16-start screened fit, and the posterior
// (mean and variance) at 512 target points; next to the strategy's way today, an exact GP on
// the thinned rows (the last checkpoint and halvings back from it, <= 300 rows in all), fitted
// the same way. Both are scored on the same 512 unseen mixtures at the target (1B, full
// steps): RMSE of the posterior mean against the simulator's noise-free value, and the share
// of them inside the 95% interval.
void every_checkpoint(const Options& o, Team& team) {
  const int R = o.curve_runs, C = o.curve_steps, k = static_cast<int>(kDomains.size());
  const Data base = make_data(1);  // the model and kernel context
  const BimixSimulator sim(kDomains);
  const auto metrics = sim.metrics();
  const auto metric =
      std::find(metrics.begin(), metrics.end(), "StackExchange_CE") - metrics.begin();
  Rng rng = make_rng(2025, 5);
  const Eigen::MatrixXd W = sample_dirichlet(BoundedSimplex(kDomains), 1.0, R, rng);
  const Eigen::MatrixXd Wt = sample_dirichlet(BoundedSimplex(kDomains), 1.0, 512, rng);
  Eigen::MatrixXd Xt(512, k + 2);
  Xt.leftCols(k) = Wt;
  Xt.col(k).setConstant(std::log(kTargetParams));
  Xt.col(k + 1).setConstant(std::log(kMaxSteps));
  Eigen::VectorXd truth(512);
  for (int i = 0; i < 512; ++i)
    truth[i] = sim.evaluate(Wt.row(i).transpose(), kTargetParams,
                            static_cast<std::int64_t>(kMaxSteps))[metric];
  std::printf("# P5: every checkpoint, %d runs x %d checkpoints, %d rank(s), load average %s\n", R,
              C, team.size(), load_average().c_str());
  std::printf("%8s %7s %6s %5s %12s %9s %6s %9s %12s %12s %10s %9s %8s\n", "layout", "model", "n",
              "rank", "lml+grad_ms", "fit_s", "evals", "cond_ms", "predict_ms", "lml", "rmse",
              "coverage", "ratio");
  for (const bool full : {true, false}) {
    std::uniform_int_distribution<int> sc(0, 3), len(std::max(1, C / 4), C);
    std::normal_distribution<double> noise(0, 0.01);
    std::vector<Eigen::RowVectorXd> rows;
    std::vector<int> run;
    std::vector<double> ys;
    for (int a = 0; a < R; ++a) {
      const double params = kScales[sc(rng)];
      const int c_a = full ? C : len(rng);
      for (int j = 1; j <= c_a; ++j) {
        const auto step = static_cast<std::int64_t>(std::llround(kMaxSteps * j / C));
        Eigen::RowVectorXd x(k + 2);
        x.head(k) = W.row(a);
        x[k] = std::log(params);
        x[k + 1] = std::log(static_cast<double>(step));
        rows.push_back(x);
        run.push_back(a);
        ys.push_back(sim.evaluate(W.row(a).transpose(), params, step)[metric] + noise(rng));
      }
    }
    Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), k + 2);
    for (size_t i = 0; i < rows.size(); ++i) X.row(static_cast<Eigen::Index>(i)) = rows[i];
    const Eigen::VectorXd y =
        Eigen::Map<const Eigen::VectorXd>(ys.data(), static_cast<Eigen::Index>(ys.size()));
    const CurveGrid grid = CurveGrid::from_rows(X, run);
    const GpModel& model = base.model;
    const StepSplit split = require_step_split(model);
    const Standardizer st = Standardizer::fit(y);
    const Eigen::VectorXd ysd = st.apply(y);
    const char* layout = full ? "full" : "stopped";

    // Every checkpoint.
    CurveOptions co;
    co.truncation = o.truncation;
    co.max_rank = o.max_rank;
    double t_eval = 1e300;
    Eigen::VectorXd grad;
    for (int r = 0; r < std::max(1, o.reps / 2); ++r)
      t_eval = std::min(t_eval, timed([&] {
                          curve_log_posterior(model, split, grid, ysd, model.initial(), &grad, co);
                        }));
    if (o.eval_only) {
      const CurveGp g0(model, split, grid, ysd, model.initial(), co);
      std::printf("%8s n=%d rank=%d lml+grad_ms=%.2f lml=%.6f |grad|=%.6g\n", layout, grid.n(),
                  g0.rank(), 1e3 * t_eval, g0.log_marginal_likelihood(), grad.norm());
      continue;
    }
    Rng fit_rng = make_rng(2025, 6);
    CurveFitResult fit;
    const double t_fit = timed(
        [&] { fit = fit_curve_gp(model, grid, y, team, fit_rng, std::nullopt, FitOptions{}, co); });
    long evals = 0;
    for (const auto& s : fit.starts) evals += s.iterations;
    std::optional<CurveGp> gp;
    const double t_cond = timed([&] { gp.emplace(model, split, grid, ysd, fit.theta, co); });
    Eigen::VectorXd mu, var;
    const double t_pred = timed([&] {
      mu = gp->mean(Xt);
      var = gp->variance(Xt);
    });
    auto score = [&](const Eigen::VectorXd& m_raw, const Eigen::VectorXd& sd_raw, double* rmse,
                     double* cover) {
      *rmse = std::sqrt((m_raw - truth).squaredNorm() / 512);
      int in = 0;
      for (int i = 0; i < 512; ++i) in += std::abs(truth[i] - m_raw[i]) <= 1.96 * sd_raw[i];
      *cover = in / 512.0;
    };
    double rmse_all = 0, cover_all = 0;
    score((st.mean + st.scale * mu.array()).matrix(), (st.scale * var.array().sqrt()).matrix(),
          &rmse_all, &cover_all);

    // The strategy's thinned rows: per run the last checkpoint and halvings back from it.
    const int per_run = std::clamp(300 / R, 1, 6);
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0, a0 = 0; i <= X.rows(); ++i) {
      if (i == X.rows() || run[static_cast<size_t>(i)] != run[static_cast<size_t>(a0)]) {
        std::vector<Eigen::Index> mine;
        for (Eigen::Index m = i - a0; m > 0 && static_cast<int>(mine.size()) < per_run; m /= 2)
          mine.push_back(a0 + m - 1);
        keep.insert(keep.end(), mine.rbegin(), mine.rend());
        a0 = i;
      }
    }
    Eigen::MatrixXd Xk(static_cast<Eigen::Index>(keep.size()), k + 2);
    Eigen::VectorXd yk(static_cast<Eigen::Index>(keep.size()));
    for (size_t i = 0; i < keep.size(); ++i) {
      Xk.row(static_cast<Eigen::Index>(i)) = X.row(keep[i]);
      yk[static_cast<Eigen::Index>(i)] = y[keep[i]];
    }
    const Eigen::VectorXd yks = Standardizer::fit(yk).apply(yk);
    LikelihoodWorkspace ws(model, Xk);
    double t_eval_k = 1e300;
    for (int r = 0; r < std::max(1, o.reps / 2); ++r)
      t_eval_k = std::min(
          t_eval_k, timed([&] { log_posterior(model, Xk, yks, model.initial(), &grad, &ws); }));
    Rng fit_rng2 = make_rng(2025, 6);
    std::optional<FitResult> fk;
    const double t_fit_k = timed(
        [&] { fk.emplace(fit_gp(model, Xk, yk, team, fit_rng2, std::nullopt, FitOptions{})); });
    long evals_k = 0;
    for (const auto& s : fk->starts) evals_k += s.iterations;
    std::optional<GaussianProcess> gk;
    const double t_cond_k = timed([&] { gk.emplace(model, Xk, yk, fk->theta); });
    Posterior pk;
    const double t_pred_k = timed([&] { pk = gk->predict(Xt); });
    double rmse_k = 0, cover_k = 0;
    score(pk.mean, pk.variance.cwiseSqrt(), &rmse_k, &cover_k);

    std::printf("%8s %7s %6d %5d %12.2f %9.3f %6ld %9.2f %12.2f %12.3f %10.5f %9.3f %8s\n", layout,
                "all", grid.n(), fit.rank, 1e3 * t_eval, t_fit, evals, 1e3 * t_cond, 1e3 * t_pred,
                fit.log_marginal_likelihood, rmse_all, cover_all, "");
    std::printf("%8s %7s %6d %5s %12.2f %9.3f %6ld %9.2f %12.2f %12.3f %10.5f %9.3f %8.2f\n",
                layout, "thinned", static_cast<int>(Xk.rows()), "-", 1e3 * t_eval_k, t_fit_k,
                evals_k, 1e3 * t_cond_k, 1e3 * t_pred_k, fk->log_marginal_likelihood, rmse_k,
                cover_k, rmse_k / rmse_all);
    std::printf(
        "%8s round (fit + condition + predict) on every checkpoint: %.3f s; thinned: %.3f s\n",
        layout, t_fit + t_cond + t_pred, t_fit_k + t_cond_k + t_pred_k);
    std::fflush(stdout);
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ConfigError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--n")
      o.ns = parse_list(value());
    else if (a == "--reps")
      o.reps = std::stoi(value());
    else if (a == "--iteration-n")
      o.iteration_n = std::stoi(value());
    else if (a == "--curves") {
      const std::string v = value();
      const auto x = v.find('x');
      if (x == std::string::npos) throw ConfigError("bench_gp: --curves takes RUNSxCHECKPOINTS");
      o.curve_runs = std::stoi(v.substr(0, x));
      o.curve_steps = std::stoi(v.substr(x + 1));
    } else if (a == "--truncation") {
      o.truncation = std::stod(value());
    } else if (a == "--max-rank") {
      o.max_rank = std::stoi(value());
    } else if (a == "--eval-only") {
      o.eval_only = true;
    } else if (a == "--no-screen")
      o.no_screen = true;
    else if (a == "--kernel")
      o.kernel = value();
    else if (a == "--data-out")
      o.data_out = value();
    else
      throw ConfigError("bench_gp: unknown option " + a);
  }
  if (o.reps < 1) throw ConfigError("bench_gp: --reps must be >= 1");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  register_builtin_problems();  // MPI workers rebuild the fits
  // Under mpiexec the P5 fits run on the team of ranks (its starts shared); P4 and P1 measure
  // one rank. run_team_program also calls keep_large_allocations(), as for the strategy.
  return run_team_program([&](Team& team) {
    try {
      if (!o.ns.empty() && o.ns.front() > 0) likelihood_vs_cholesky(o);
      if (o.iteration_n > 0) one_iteration(o);
      if (o.curve_runs > 0 && o.curve_steps > 0) every_checkpoint(o, team);
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_gp: %s\n", e.what());
      return 1;
    }
  });
}
