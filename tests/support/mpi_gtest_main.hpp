#pragma once
// main() for GoogleTest programs run under mpiexec: every rank runs every test; only rank 0
// prints; the exit code is non-zero when any rank failed.
#include <gtest/gtest.h>
#include <mpi.h>

#define MIXBO_MPI_GTEST_MAIN()                                            \
  int main(int argc, char** argv) {                                       \
    int provided_ = 0; /* MpiTeam's rank 0 computes on a second thread */ \
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided_);       \
    ::testing::InitGoogleTest(&argc, argv);                               \
    int rank = 0;                                                         \
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);                                 \
    if (rank != 0) {                                                      \
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();  \
      delete listeners.Release(listeners.default_result_printer());       \
    }                                                                     \
    int failed = RUN_ALL_TESTS() != 0, any = 0;                           \
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);    \
    MPI_Finalize();                                                       \
    return any;                                                           \
  }
