// Proves MPI works in CI from day one: a reduction over all ranks.
#include "mpi_gtest_main.hpp"

TEST(MpiSmoke, SumOfRanks) {
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long local = rank + 1, total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, static_cast<long>(size) * (size + 1) / 2);
}

MIXBO_MPI_GTEST_MAIN()
