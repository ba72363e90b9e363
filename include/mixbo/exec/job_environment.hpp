#pragma once
// The environment a job (or sbatch, which passes its environment on to the job) starts with.
// Under `mpiexec mixbo run`, rank 0 carries its launcher's wiring (OMPI_COMM_WORLD_*, PMIX_*,
// OMPI_MCA_ess_*, ...): a training job that inherited it would believe it is rank 0 of the
// driver's MPI job and its own mpiexec/torchrun would misbehave. So those are dropped; the
// user's settings (PATH, CUDA_*, OMPI_ALLOW_RUN_AS_ROOT*, ...) pass unchanged.
#include <string>
#include <vector>

namespace mixbo {

// True for a variable an MPI launcher sets for the processes it starts.
bool is_launcher_variable(const std::string& name);

// "NAME=value" entries of `environ` minus the launcher's, built before fork() (the child of a
// threaded process may not allocate). Keep the object alive across the exec.
class JobEnvironment {
 public:
  JobEnvironment();
  char* const* envp() const { return pointers_.data(); }
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

}  // namespace mixbo
