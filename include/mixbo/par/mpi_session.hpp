#pragma once
// A whole program's MPI for commands that split independent work over ranks and collect the
// results on rank 0 without a Team (`mixbo bench` splits its campaigns). MPI stays inside par/:
// callers see ranks and byte buffers only.
#include <vector>

namespace mixbo {

class MpiSession {
 public:
  // MPI_Init_thread (funnelled) when an MPI launcher started the program (launched_by_mpi),
  // else a one-rank session that needs no MPI.
  MpiSession();
  ~MpiSession();  // MPI_Finalize, when this session initialised MPI
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Collective: rank 0 gets every rank's bytes in rank order (its own first); the other ranks
  // get nothing.
  std::vector<std::vector<unsigned char>> gather(const std::vector<unsigned char>& mine) const;

 private:
  bool owns_mpi_ = false;
  int rank_ = 0, size_ = 1;
};

}  // namespace mixbo
