#include "mixbo/par/mpi_session.hpp"

#include <mpi.h>

#include "mixbo/par/mpi_team.hpp"

namespace mixbo {

MpiSession::MpiSession() {
  if (!launched_by_mpi()) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    owns_mpi_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (owns_mpi_) MPI_Finalize();
}

std::vector<std::vector<unsigned char>> MpiSession::gather(
    const std::vector<unsigned char>& mine) const {
  if (size_ == 1) return {mine};
  const int n = static_cast<int>(mine.size());
  std::vector<int> sizes(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
  MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<unsigned char> all;
  if (rank_ == 0) {
    for (int i = 1; i < size_; ++i)
      displs[static_cast<size_t>(i)] =
          displs[static_cast<size_t>(i - 1)] + sizes[static_cast<size_t>(i - 1)];
    all.resize(static_cast<size_t>(displs.back() + sizes.back()));
  }
  MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), displs.data(), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  if (rank_ != 0) return {};
  std::vector<std::vector<unsigned char>> out;
  for (int i = 0; i < size_; ++i) {
    const auto* p = all.data() + displs[static_cast<size_t>(i)];
    out.emplace_back(p, p + sizes[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace mixbo
