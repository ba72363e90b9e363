#pragma once
// How a program starts the ranks that share its multi-start work, without seeing MPI: the
// composition root (cli) includes this header, never mpi_team.hpp, so <mpi.h> stays in par/.
#include <functional>

#include "mixbo/par/team.hpp"

namespace mixbo {

struct MpiTeamOptions {
  // Rank 0 computes starts on a second thread while its main thread serves the others. Off:
  // rank 0 only serves (with one rank it still computes everything itself).
  bool root_computes = true;
};

// The entry point of a program usable with or without mpiexec: when started by an MPI launcher
// (Open MPI, MPICH/PMI or PMIx environment) it initialises MPI (MPI_THREAD_FUNNELED), runs
// run_team over MPI_COMM_WORLD and finalises MPI; otherwise it runs driver with a one-rank
// MpiTeam and never touches MPI. Only rank 0 runs driver, so only rank 0 reads files or prints.
// Returns rank 0's exit code on rank 0 and 0 on the others (mpiexec exits with rank 0's code;
// a failing worker would make it kill rank 0 before rank 0 printed why).
// First calls keep_large_allocations() (par/allocator.hpp): GP fits run ~3x faster.
int run_team_program(const std::function<int(Team&)>& driver, MpiTeamOptions options = {});

// True when this process was started by an MPI launcher (mpiexec, srun with PMI/PMIx).
bool launched_by_mpi();

}  // namespace mixbo
