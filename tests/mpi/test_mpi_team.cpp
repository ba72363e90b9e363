// MpiTeam under mpiexec (1, 2, 4 ranks): the same results, bit for bit, as a SerialTeam run on
// rank 0 in the same program; dynamic task order never changes where results land; a fault on
// a worker reaches rank 0 naming rank and task, and the team stays usable; idle workers sleep.
//
// `test_mpi_team --fault-child` (run by tests/e2e/test_mpi_run.cpp under mpiexec) is a whole
// program whose worker fails: rank 0 must print the error, and mpiexec exit non-zero.
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <thread>

#include "gp_fixture.hpp"
#include "mixbo/config/strategy_options.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/par/mpi_team.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/builtin_problems.hpp"
#include "mpi_gtest_main.hpp"
#include "throwing_problem.hpp"

using namespace mixbo;
using mixbo::test::ladder_features;

namespace {

// World rank and size, read on the main thread: solve() may run on rank 0's computing thread,
// which must not call MPI.
int g_rank = 0, g_size = 1;

// Test-only problem (NumericalError at tasks i % numerical_mod == 3): start[0] is the task index;
// each task sleeps an uneven few milliseconds (so ranks finish out of order) and returns values
// derived from its start. Tasks from `throw_from` on throw on ranks other than 0 (on rank 0 only
// when it is alone); rank 0 takes `root_extra_us` longer per task, so the workers surely get some
// of those tasks.
class FaultyProblem final : public MultiStartProblem {
 public:
  explicit FaultyProblem(long long throw_from, long long root_extra_us = 0,
                         long long numerical_mod = 0)
      : throw_from_(throw_from), root_extra_us_(root_extra_us), numerical_mod_(numerical_mod) {}
  std::string kind() const override { return "test-faulty"; }
  void serialize(ByteWriter& out) const override {
    out.put<long long>(throw_from_);
    out.put<long long>(root_extra_us_);
    out.put<long long>(numerical_mod_);
  }
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in) {
    const auto a = in.get<long long>();
    const auto b = in.get<long long>();
    return std::make_unique<FaultyProblem>(a, b, in.get<long long>());
  }
  StartResult solve(const Eigen::VectorXd& start) const override {
    const auto i = static_cast<long long>(start[0]);
    long long us = 500 * (1 + (i * 7919) % 7);
    if (g_rank == 0 && g_size > 1) us += root_extra_us_;
    std::this_thread::sleep_for(std::chrono::microseconds(us));
    if (throw_from_ >= 0 && i >= throw_from_ && (g_rank != 0 || g_size == 1))
      throw Error("injected fault");
    if (numerical_mod_ > 0 && i % numerical_mod_ == 3)  // an expected, recorded failure
      throw NumericalError("singular at task " + std::to_string(i));
    StartResult r;
    r.x = 2 * start;
    r.value = std::sin(static_cast<double>(i));
    r.iterations = static_cast<int>(i);
    r.status = 1;
    if (i % 5 == 4) r.error = "recorded failure " + std::to_string(i);  // travels back as is
    return r;
  }

 private:
  long long throw_from_, root_extra_us_, numerical_mod_;
};

// A kind whose rebuild on another rank fails.
class UnbuildableProblem final : public MultiStartProblem {
 public:
  std::string kind() const override { return "test-unbuildable"; }
  void serialize(ByteWriter& out) const override { out.put<int>(1); }
  StartResult solve(const Eigen::VectorXd& start) const override {
    StartResult r;
    r.x = start;
    r.value = 1;
    return r;
  }
};

// This program's kinds and mixbo's own (gp-fit runs on the workers), registered explicitly on
// every rank before MPI work starts, as mixbo's main does.
void register_problems() {
  register_builtin_problems();
  register_problem("test-faulty", &FaultyProblem::deserialize);
  register_problem("test-unbuildable", [](ByteReader&) -> std::unique_ptr<MultiStartProblem> {
    throw Error("no decoder here");
  });
  mixbo::test::ThrowingProblem::register_kind();
}

std::vector<Eigen::VectorXd> index_starts(int n) {
  std::vector<Eigen::VectorXd> s;
  for (int i = 0; i < n; ++i) s.push_back(Eigen::Vector2d(i, 0.5 * i));
  return s;
}

bool same_bits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())) == 0;
}

std::uint64_t fnv(std::uint64_t h, const void* p, size_t n) {
  const auto* c = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  return h;
}

void expect_same_fit(const FitResult& a, const FitResult& b) {
  ASSERT_EQ(a.starts.size(), b.starts.size());
  EXPECT_EQ(a.best, b.best);
  EXPECT_TRUE(same_bits(a.theta, b.theta)) << a.theta.transpose() << "\n" << b.theta.transpose();
  EXPECT_EQ(a.log_posterior, b.log_posterior);
  for (size_t i = 0; i < a.starts.size(); ++i) {
    EXPECT_TRUE(same_bits(a.starts[i].x, b.starts[i].x)) << "start " << i;
    EXPECT_EQ(a.starts[i].value, b.starts[i].value) << "start " << i;
    EXPECT_EQ(a.starts[i].iterations, b.starts[i].iterations) << "start " << i;
    EXPECT_EQ(a.starts[i].status, b.starts[i].status) << "start " << i;
    EXPECT_EQ(a.starts[i].error, b.starts[i].error) << "start " << i;
  }
}

class MpiTeamTest : public ::testing::TestWithParam<bool> {};

TEST_P(MpiTeamTest, GpFitIsBitIdenticalToSerial) {
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  ASSERT_EQ(team.size(), g_size);
  const int code = run_team(team, [&](Team& t) {
    // A product, and the default kernel, a sum (its own fit path: kernels_composite.cpp).
    for (const char* expression :
         {"matern52(mixture) * rbf(scale) * expdecay(steps)", StrategyOptions::kDefaultKernel})
      [&] {
        const int k = 7, n = 40;
        KernelContext ctx;
        ctx.k = k;
        ctx.target_log_params = std::log(1e9);
        const GpModel m = GpModel::from_expression(expression, ctx);
        const Eigen::MatrixXd X = ladder_features(n, k, 11);
        Eigen::VectorXd y(n);
        for (int i = 0; i < n; ++i)
          y[i] = std::sin(4 * X(i, 0)) - X(i, 2) * X(i, 3) + 0.05 * X(i, k) +
                 std::exp(-(X(i, k + 1) - 6.9));
        FitOptions o;
        o.starts = 10;
        o.max_evaluations = 80;
        SerialTeam serial;
        Rng r1 = make_rng(5, 1), r2 = make_rng(5, 1);
        const FitResult a = fit_gp(m, X, y, serial, r1, std::nullopt, o);
        const FitResult b = fit_gp(m, X, y, t, r2, std::nullopt, o);
        expect_same_fit(a, b);
        // A second run on the same team (warm start), as the next BO iteration does.
        const FitResult c = fit_gp(m, X, y, serial, r1, a.theta, o);
        const FitResult d = fit_gp(m, X, y, t, r2, b.theta, o);
        expect_same_fit(c, d);
        // With a run effect (declared seed noise, runs of four rows): the workers must fit the
        // likelihood with it, so it crosses with the problem.
        std::vector<int> run;
        for (int i = 0; i < n; ++i) run.push_back(i / 4);
        const RunEffect runs(run, y, 0.05, false);
        const FitResult e = fit_gp(m, X, y, serial, r1, std::nullopt, o, runs);
        const FitResult g = fit_gp(m, X, y, t, r2, std::nullopt, o, runs);
        expect_same_fit(e, g);
        EXPECT_NE(e.theta, a.theta);
        std::uint64_t h = 1469598103934665603ull;
        for (const auto* f : {&b, &d, &g}) {
          h = fnv(h, f->theta.data(), sizeof(double) * static_cast<size_t>(f->theta.size()));
          for (const auto& s : f->starts) h = fnv(h, &s.value, sizeof s.value);
        }
        std::cout << "digest gp-fit " << expression << " (theta + start values): " << std::hex << h
                  << std::dec << " at " << t.size() << " rank(s)\n";
      }();
    return 0;
  });
  EXPECT_EQ(code, 0);
}

// The fit on every checkpoint (kind curve-fit, screened like gp-fit) through the team: the same
// theta and start values as one rank.
TEST_P(MpiTeamTest, CurveFitIsBitIdenticalToSerial) {
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  const int code = run_team(team, [&](Team& t) {
    [&] {
      const int k = 4, runs = 9;
      KernelContext ctx;
      ctx.k = k;
      ctx.target_log_params = std::log(1e9);
      const GpModel m =
          GpModel::from_expression("matern52(mixture) * rbf(scale) * expdecay(steps)", ctx);
      const Eigen::MatrixXd U = ladder_features(runs, k, 12);
      std::vector<int> run;
      std::vector<Eigen::RowVectorXd> rows;
      std::vector<double> ys;
      for (int a = 0; a < runs; ++a)
        for (int j = 1; j <= 4 + a % 6; ++j) {  // runs stopped after 4..9 checkpoints
          Eigen::RowVectorXd x = U.row(a);
          x[k + 1] = std::log(1000.0 * j);
          rows.push_back(x);
          run.push_back(a);
          ys.push_back(std::sin(4 * x[0]) + 0.05 * x[k] + 2.0 / j);
        }
      Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), k + 2);
      for (size_t i = 0; i < rows.size(); ++i) X.row(static_cast<Eigen::Index>(i)) = rows[i];
      const Eigen::VectorXd y =
          Eigen::Map<const Eigen::VectorXd>(ys.data(), static_cast<Eigen::Index>(ys.size()));
      const CurveGrid grid = CurveGrid::from_rows(X, run);
      FitOptions o;
      o.starts = 10;
      o.max_evaluations = 80;
      SerialTeam serial;
      Rng r1 = make_rng(6, 1), r2 = make_rng(6, 1);
      const CurveFitResult a = fit_curve_gp(m, grid, y, serial, r1, std::nullopt, o);
      const CurveFitResult b = fit_curve_gp(m, grid, y, t, r2, std::nullopt, o);
      EXPECT_EQ(a.theta, b.theta);
      EXPECT_EQ(a.best, b.best);
      ASSERT_EQ(a.starts.size(), b.starts.size());
      std::uint64_t h = 1469598103934665603ull;
      for (size_t i = 0; i < a.starts.size(); ++i) {
        EXPECT_EQ(a.starts[i].value, b.starts[i].value) << "start " << i;
        EXPECT_EQ(a.starts[i].iterations, b.starts[i].iterations) << "start " << i;
        h = fnv(h, &b.starts[i].value, sizeof b.starts[i].value);
      }
      h = fnv(h, b.theta.data(), sizeof(double) * static_cast<size_t>(b.theta.size()));
      std::cout << "digest curve-fit (theta + start values): " << std::hex << h << std::dec
                << " at " << t.size() << " rank(s)\n";
    }();
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST_P(MpiTeamTest, ResultsLandByStartIndex) {
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  run_team(team, [&](Team& t) {
    [&] {
      const auto starts = index_starts(37);
      const FaultyProblem p(-1, 0, 7);  // NumericalErrors are recorded as SerialTeam does
      SerialTeam serial;
      const auto a = serial.run(p, starts);
      const auto b = t.run(p, starts);
      EXPECT_TRUE(t.run(p, {}).empty());
      EXPECT_EQ(best_start(a), best_start(b));
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(same_bits(a[i].x, b[i].x)) << i;
        EXPECT_EQ(a[i].value, b[i].value) << i;
        EXPECT_EQ(a[i].iterations, b[i].iterations) << i;
        EXPECT_EQ(a[i].error, b[i].error) << i;
      }
      EXPECT_EQ(b[10].error, "singular at task 10");
      EXPECT_TRUE(std::isinf(b[10].value));
    }();
    return 0;
  });
}

TEST_P(MpiTeamTest, WorkerFaultReachesRankZeroAndTeamStaysUsable) {
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  run_team(team, [&](Team& t) {
    [&] {
      const auto starts = index_starts(24);
      const auto t0 = std::chrono::steady_clock::now();
      std::string message;
      try {
        t.run(FaultyProblem(5, 20000), starts);
      } catch (const Error& e) {
        message = e.what();
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_LT(secs, 10.0);
      // "multi-start problem 'test-faulty': task T failed on rank R: injected fault"
      const std::string head = "multi-start problem 'test-faulty': task ";
      ASSERT_EQ(message.rfind(head, 0), 0u) << message;
      size_t pos = head.size();
      const long long task = std::stoll(message.substr(pos), &pos);
      pos += head.size();
      const std::string mid = " failed on rank ";
      ASSERT_EQ(message.compare(pos, mid.size(), mid), 0) << message;
      pos += mid.size();
      const int rank = std::stoi(message.substr(pos));
      EXPECT_GE(task, 5);
      EXPECT_LT(task, 24);
      if (g_size == 1) {
        EXPECT_EQ(task, 5);
        EXPECT_EQ(rank, 0);
      } else {
        EXPECT_GT(rank, 0);
        EXPECT_LT(rank, g_size);
      }
      EXPECT_NE(message.find(": injected fault"), std::string::npos) << message;
      // No stray message from the failed run confuses the next one.
      const auto r = t.run(FaultyProblem(-1), starts);
      for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i].iterations, static_cast<int>(i));
    }();
    return 0;
  });
}

TEST_P(MpiTeamTest, ProblemThatCannotBeRebuiltIsReported) {
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  run_team(team, [&](Team& t) {
    [&] {
      const auto starts = index_starts(4);
      if (g_size == 1) {  // nothing to rebuild
        EXPECT_EQ(t.run(UnbuildableProblem(), starts).size(), 4u);
        return;
      }
      try {
        t.run(UnbuildableProblem(), starts);
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("could not rebuild multi-start problem "
                                             "'test-unbuildable': no decoder here"),
                  std::string::npos)
            << e.what();
      }
      EXPECT_EQ(t.run(FaultyProblem(-1), starts).size(), 4u);
    }();
    return 0;
  });
}

// The failure policy of every Team (team.hpp): the same outcome as SerialTeam at any rank count.
TEST_P(MpiTeamTest, SameFailurePolicyAsSerialTeam) {
  using mixbo::test::ThrowingProblem;
  MpiTeamOptions opt;
  opt.root_computes = GetParam();
  MpiTeam team(MPI_COMM_WORLD, opt);
  run_team(team, [&](Team& t) {
    [&] {
      const auto starts = index_starts(12);
      // A NumericalError fails its start only, and the results are SerialTeam's.
      SerialTeam serial;
      const auto a = serial.run(ThrowingProblem(5, -1), starts);
      const auto b = t.run(ThrowingProblem(5, -1), starts);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].value, b[i].value) << i;
        EXPECT_EQ(a[i].error, b[i].error) << i;
      }
      EXPECT_EQ(b[5].error, "singular at task 5");
      // Any other exception ends the run with the same words (the rank may differ).
      std::string serial_message, team_message;
      try {
        serial.run(ThrowingProblem(5, 7), starts);
      } catch (const Error& e) {
        serial_message = e.what();
      }
      try {
        t.run(ThrowingProblem(5, 7), starts);
      } catch (const Error& e) {
        team_message = e.what();
      }
      EXPECT_EQ(serial_message,
                "multi-start problem 'test-throwing': task 7 failed on rank 0: bug at task 7");
      const std::string head = "multi-start problem 'test-throwing': task 7 failed on rank ";
      EXPECT_EQ(team_message.rfind(head, 0), 0u) << team_message;
      EXPECT_NE(team_message.find(": bug at task 7"), std::string::npos) << team_message;
      EXPECT_EQ(t.run(ThrowingProblem(-1, -1), starts).size(), 12u);  // the team stays usable
    }();
    return 0;
  });
}

INSTANTIATE_TEST_SUITE_P(RootComputes, MpiTeamTest, ::testing::Bool());

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Rank 0 waits (as it does on Slurm jobs) while the workers sit in serve(): they must sleep,
// not spin (a spinning rank would burn ~1.5 CPU seconds here).
TEST(MpiTeamIdle, WaitingWorkersUseLittleCpu) {
  MpiTeam team(MPI_COMM_WORLD);
  const double c0 = cpu_seconds();
  const int code = run_team(team, [&](Team&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return 3;
  });
  EXPECT_EQ(code, 3);  // rank 0's code reaches every rank
  if (g_rank != 0) {
    EXPECT_LT(cpu_seconds() - c0, 0.3);
  }
}

}  // namespace

// The whole-program fault test's child: a worker throws (on rank 0 when it is alone); the
// driver's error is printed as `mixbo` prints it and rank 0 exits with code 1 (the workers
// with 0, so mpiexec waits for rank 0 and exits with its code).
int fault_child() {
  try {
    MpiTeamOptions o;
    o.root_computes = false;  // every task runs on a worker when there is one
    return run_team_program(
        [](Team& t) {
          t.run(FaultyProblem(3), index_starts(16));
          std::cout << "no error\n";
          return 0;
        },
        o);
  } catch (const std::exception& e) {
    std::cerr << "fault-child: error: " << e.what() << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  register_problems();
  if (argc > 1 && std::string(argv[1]) == "--fault-child") {
    // Rank and size from the launcher's environment: MPI is not up yet.
    if (const char* r = std::getenv("OMPI_COMM_WORLD_RANK")) g_rank = std::atoi(r);
    if (const char* s = std::getenv("OMPI_COMM_WORLD_SIZE")) g_size = std::atoi(s);
    return fault_child();
  }
  // As MIXBO_MPI_GTEST_MAIN (mpi_gtest_main.hpp), plus the rank globals.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (g_rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS() != 0, any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
