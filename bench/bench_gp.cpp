// GP engine speed on one core (a plain program, not Google Benchmark; no MPI):
//
//  1. P4: for the default kernel matern52(mixture) * rbf(scale) * expdecay(steps), k = 7, on the
//     bench data set (bench_data.hpp) at each --n: one log marginal likelihood + gradient
//     evaluation as the fit runs it (LikelihoodWorkspace reused) next to one bare Cholesky
//     (Eigen LLT, in place) of the same n x n covariance, best of --reps interleaved repetitions,
//     and their RATIO; also the kernel evaluation alone (gram_lower) and the inverse from the
//     factor (inverse_from_cholesky_in_place), which are parts of the LML + gradient; and the LML
//     and gradient norm at the model's initial theta, to compare builds (MIXBO_ARCH) by.
//  2. P1 (--iteration-n > 0): one BO iteration on one rank: fit_gp with 16 starts (SerialTeam),
//     (screened: fit.hpp; --no-screen runs every start to convergence, for comparison),
//     then maximize_acquisition of LogEI at the target pair (512 raw candidates, 64 SLSQP
//     refinements). --data-out FILE writes that data set (features, standardised outputs) as
//     CSV for bench/gp_vs_sklearn.py, which runs this program and scikit-learn on the same data.
//
//   bench_gp [--n 500,1000,2000] [--reps 5] [--iteration-n 500] [--no-screen] [--data-out FILE]
// --n 0 skips part 1, --iteration-n 0 part 2.
#include <Eigen/Cholesky>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_data.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/likelihood.hpp"
#include "mixbo/par/allocator.hpp"

using namespace mixbo;
using namespace mixbo::bench;

namespace {

struct Options {
  std::vector<int> ns = {500, 1000, 2000};
  int reps = 5;
  int iteration_n = 500;
  std::string data_out;
  bool no_screen = false;
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
    const Data d = make_data(n);
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
  const Data d = make_data(n);
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
      fit.log_marginal_likelihood,
      fit.log_posterior, cands.front().value);
  std::fflush(stdout);
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
    else if (a == "--no-screen")
      o.no_screen = true;
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
  try {
    const Options o = parse(argc, argv);
    keep_large_allocations();  // as run_team_program does for the strategy
    if (!o.ns.empty() && o.ns.front() > 0) likelihood_vs_cholesky(o);
    if (o.iteration_n > 0) one_iteration(o);
    return 0;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gp: %s\n", e.what());
    return 1;
  }
}
