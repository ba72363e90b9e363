// Strong scaling of one BO iteration over MPI ranks (a plain MPI program, not Google
// Benchmark: run it under mpiexec). One iteration =
//   fit:  fit_gp (GpFitProblem, kind "gp-fit") with --fit-starts starts on n observations
//         (k = 7 mixture weights + log scale + log steps, bimix-simulated losses + noise);
//   acq:  maximize_acquisition (acq/maximize.hpp) of LogEI at the target scale and full steps:
//         --raw-samples Sobol candidates screened on rank 0, then --refinements SLSQP
//         refinements on the simplex (kind "acq-refine") shared by the team.
//
//   mpiexec -n N bench_iteration [--n 500,1000,2000] [--mode team|ceiling] [--dedicated] ...
//
// mode team:    rank 0 drives, MpiTeam shares the starts (--dedicated: rank 0 only serves).
// mode ceiling: no team: every rank runs the tasks i = rank (mod N) of both phases itself at
//               the same time, with no communication inside the timed parts: what N
//               independent processes sharing the machine's caches and memory bandwidth reach.
//               Its acq tasks are the same acq-refine problem from Dirichlet starts (the raw
//               screening that picks the team's starts is serial work on rank 0, left out).
// Prints one line per n (rank 0): phase wall times in seconds; ceiling lines give the mean and
// max over ranks. bench/scaling_table.py runs the grid and computes efficiencies.
#include <mpi.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_data.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/par/allocator.hpp"
#include "mixbo/par/mpi_team.hpp"
#include "mixbo/sim/bimix_simulator.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

using namespace mixbo;
using namespace mixbo::bench;

namespace {

struct Options {
  std::vector<int> ns = {500, 1000, 2000};
  std::string mode = "team";
  bool dedicated = false;
  int fit_starts = 16, refinements = 64, raw_samples = 512, fit_evals = 400, refine_evals = 200,
      reps = 1;
};

std::vector<Eigen::VectorXd> refine_starts(int count) {
  Rng rng = make_rng(2024, 1);
  const Eigen::MatrixXd W = sample_dirichlet(BoundedSimplex(kDomains), 1.0, count, rng);
  std::vector<Eigen::VectorXd> s;
  for (int i = 0; i < count; ++i) {
    Eigen::VectorXd x(W.cols() + 1);  // acq-refine start: [pair index, w]
    x << 0, W.row(i).transpose();
    s.push_back(x);
  }
  return s;
}

double now() { return MPI_Wtime(); }

long total_iterations(const std::vector<StartResult>& r) {
  long t = 0;
  for (const auto& s : r) t += s.iterations;
  return t;
}

// Rank 0 drives; the team shares the starts.
int run_team_mode(const Options& o, Team& team) {
  for (const int n : o.ns) {
    const Data d = make_data(n);
    FitOptions fo;
    fo.starts = o.fit_starts;
    fo.max_evaluations = o.fit_evals;
    for (int rep = 0; rep < o.reps; ++rep) {
      Rng rng = make_rng(2024, 2);
      const double t0 = now();
      const FitResult fit = fit_gp(d.model, d.X, d.y, team, rng, std::nullopt, fo);
      const double t1 = now();
      const auto gp = std::make_shared<const GaussianProcess>(fit.gp);
      MaximizeOptions mo;
      mo.raw_samples = o.raw_samples;
      mo.refine_starts = o.refinements;
      mo.max_evaluations = o.refine_evals;
      mo.seed = 2024;
      const auto cands =
          maximize_acquisition(gp, target_logei(*gp, d), BoundedSimplex(kDomains), team, mo);
      const double t2 = now();
      std::printf(
          "mode=%s ranks=%d n=%d rep=%d fit_s=%.3f acq_s=%.3f total_s=%.3f fit_evals=%ld "
          "best_fit=%zu acq=%.12g\n",
          o.dedicated ? "team-dedicated" : "team", team.size(), n, rep, t1 - t0, t2 - t1, t2 - t0,
          total_iterations(fit.starts), fit.best, cands.front().value);
      std::fflush(stdout);
    }
  }
  return 0;
}

// Every rank runs its share (i = rank mod N) of both phases at once, no team.
int run_ceiling_mode(const Options& o) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (const int n : o.ns) {
    const Data d = make_data(n);
    FitOptions fo;
    fo.starts = o.fit_starts;
    fo.max_evaluations = o.fit_evals;
    for (int rep = 0; rep < o.reps; ++rep) {
      Rng rng = make_rng(2024, 2);
      const auto fit_starts = fit_start_points(d.model, rng, std::nullopt, fo.starts);
      const Standardizer stdz = Standardizer::fit(d.y);
      const GpFitProblem fitp(d.model, d.X, stdz.apply(d.y), fo);
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = now();
      // Best of my share, as (value, index) for MINLOC.
      struct {
        double value;
        int index;
      } mine{std::numeric_limits<double>::infinity(), -1}, best{};
      std::vector<StartResult> my_fit(fit_starts.size());
      for (size_t i = static_cast<size_t>(rank); i < fit_starts.size();
           i += static_cast<size_t>(size)) {
        my_fit[i] = fitp.solve(fit_starts[i]);
        if (my_fit[i].value < mine.value) mine = {my_fit[i].value, static_cast<int>(i)};
      }
      const double fit_s = now() - t0;
      MPI_Allreduce(&mine, &best, 1, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
      const int owner = best.index % size;
      Eigen::VectorXd theta(d.model.num_params());
      if (rank == owner) theta = my_fit[static_cast<size_t>(best.index)].x;
      MPI_Bcast(theta.data(), static_cast<int>(theta.size()), MPI_DOUBLE, owner, MPI_COMM_WORLD);
      const auto gp = std::make_shared<const GaussianProcess>(d.model, d.X, d.y, theta, stdz);
      const BoundedSimplex simplex(kDomains);
      const AcqRefineProblem acq(gp, target_logei(*gp, d), simplex.lower(), simplex.upper(),
                                 o.refine_evals);
      const auto starts = refine_starts(o.refinements);
      MPI_Barrier(MPI_COMM_WORLD);
      const double t1 = now();
      for (size_t i = static_cast<size_t>(rank); i < starts.size(); i += static_cast<size_t>(size))
        acq.solve(starts[i]);
      const double acq_s = now() - t1;
      double mine_t[2] = {fit_s, acq_s}, sum[2], mx[2];
      MPI_Reduce(mine_t, sum, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
      MPI_Reduce(mine_t, mx, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
      if (rank == 0) {
        std::printf(
            "mode=ceiling ranks=%d n=%d rep=%d fit_s=%.3f acq_s=%.3f total_s=%.3f "
            "fit_max_s=%.3f acq_max_s=%.3f best_fit=%d\n",
            size, n, rep, sum[0] / size, sum[1] / size, (sum[0] + sum[1]) / size, mx[0], mx[1],
            best.index);
        std::fflush(stdout);
      }
    }
  }
  return 0;
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
    else if (a == "--mode")
      o.mode = value();
    else if (a == "--dedicated")
      o.dedicated = true;
    else if (a == "--fit-starts")
      o.fit_starts = std::stoi(value());
    else if (a == "--refinements")
      o.refinements = std::stoi(value());
    else if (a == "--fit-evals")
      o.fit_evals = std::stoi(value());
    else if (a == "--refine-evals")
      o.refine_evals = std::stoi(value());
    else if (a == "--reps")
      o.reps = std::stoi(value());
    else
      throw ConfigError("unknown option " + a);
  }
  if (o.mode != "team" && o.mode != "ceiling") throw ConfigError("--mode is team or ceiling");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  register_builtin_problems();  // the workers rebuild gp-fit and acq-refine
  try {
    const Options o = parse(argc, argv);
    if (o.mode == "ceiling") {
      keep_large_allocations();  // as run_team_program does for the team
      int provided = 0;
      MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
      const int code = run_ceiling_mode(o);
      MPI_Finalize();
      return code;
    }
    MpiTeamOptions mo;
    mo.root_computes = !o.dedicated;
    return run_team_program([&](Team& team) { return run_team_mode(o, team); }, mo);
  } catch (const std::exception& e) {
    std::cerr << "bench_iteration: " << e.what() << "\n";
    return 1;
  }
}
