#pragma once
// A Team spread over MPI ranks. Rank 0 (the driver) calls run(); every other rank sits in
// serve() and computes the starts rank 0 hands it.
//
// One run: rank 0 broadcasts the problem once (kind + serialize() bytes + all start points),
// then serves start indices from a queue, one at a time, to whichever rank asks next (tasks
// have uneven lengths, so a fixed split would leave ranks idle). Results are placed by start
// index, so run() returns the same vector, and best_start() picks the same start, at any rank
// count. By default rank 0 also computes starts itself on a second thread while its main thread
// serves the queue (MpiTeamOptions::root_computes).
//
// Failure: the policy every Team shares (team.hpp), so results and errors are the same at any
// rank count. Any exception but a NumericalError, from solve() or from rebuilding the problem,
// on any rank, is fatal for the run: rank 0 stops handing out starts, waits for the starts in
// progress, and run() throws the Error start_failure() words. The team stays usable;
// run_team_program prints nothing itself but shuts every rank down (mpiexec then exits non-zero)
// when the driver lets the Error escape.
//
// Idle cost: waits use MPI_Iprobe and sleeps, never a blocking receive (Open MPI's busy-polls).
// Workers wait for the next run with MPI_Iprobe and sleeps growing to kIdleSleepMaxMs, so ranks
// parked for hours while rank 0 waits on Slurm cost almost nothing; during a run, rank 0's
// serving thread and a worker waiting for its next start poll with sleeps of at most 200 us.
//
// Without MPI (the program was not started by an MPI launcher, see run_team_program) the team
// has one rank and runs every start in-process with the same failure semantics.
//
// Only par/ (and MPI test and benchmark programs) include this header: it brings <mpi.h>.
// Programs start a team through team_program.hpp.
#include <mpi.h>

#include <functional>

#include "mixbo/par/team.hpp"
#include "mixbo/par/team_program.hpp"

namespace mixbo {

class MpiTeam : public Team {
 public:
  static constexpr int kIdleSleepMaxMs = 5;

  // Collective over comm (duplicates it). MPI_COMM_NULL: a one-rank team that needs no MPI.
  explicit MpiTeam(MPI_Comm comm, MpiTeamOptions options = {});
  ~MpiTeam() override;
  MpiTeam(const MpiTeam&) = delete;
  MpiTeam& operator=(const MpiTeam&) = delete;

  // Rank 0 only.
  std::vector<StartResult> run(const MultiStartProblem& problem,
                               const std::vector<Eigen::VectorXd>& starts) override;
  int size() const override { return size_; }
  int rank() const { return rank_; }

  // Ranks other than 0: compute starts for rank 0's runs until it calls shutdown(); returns the
  // exit code rank 0 passed there.
  int serve();
  // Rank 0: releases every rank from serve() with this exit code. Called once.
  void shutdown(int exit_code);

 private:
  void serve_one_run(long long payload_size);

  MPI_Comm comm_ = MPI_COMM_NULL;
  MpiTeamOptions options_;
  int rank_ = 0, size_ = 1;
  bool threads_ok_ = false;  // MPI was initialised with at least MPI_THREAD_FUNNELED
  bool shut_down_ = false;
};

// On rank 0 runs driver(team) and then releases the other ranks (also when the driver throws:
// the exception is rethrown after they left serve(), with exit code 2 for ConfigError, else 1);
// other ranks serve until then. Returns this rank's exit code.
int run_team(MpiTeam& team, const std::function<int(Team&)>& driver);

}  // namespace mixbo
