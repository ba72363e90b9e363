#include "mixbo/exec/job_environment.hpp"

#include <unistd.h>  // environ

#include <array>
#include <string_view>

namespace mixbo {

bool is_launcher_variable(const std::string& name) {
  // Open MPI's own run-as-root switches are the user's choice, not the launcher's wiring.
  if (name.rfind("OMPI_ALLOW_RUN_AS_ROOT", 0) == 0) return false;
  static constexpr std::array<std::string_view, 7> kPrefixes = {
      "OMPI_COMM_WORLD_", "OMPI_MCA_ess", "OMPI_MCA_orte_", "OMPI_MCA_pmix", "PMIX_", "PMI_",
      "OMPI_APP_CTX_"};
  for (auto p : kPrefixes)
    if (std::string_view(name).substr(0, p.size()) == p) return true;
  static constexpr std::array<std::string_view, 10> kNames = {"OMPI_UNIVERSE_SIZE",
                                                              "OMPI_NUM_APP_CTX",
                                                              "OMPI_FIRST_RANKS",
                                                              "OMPI_FILE_LOCATION",
                                                              "OMPI_COMMAND",
                                                              "OMPI_ARGV",
                                                              "OMPI_MCA_initial_wdir",
                                                              "OMPI_MCA_mpi_yield_when_idle",
                                                              "OMPI_MCA_shmem_RUNTIME_QUERY_hint",
                                                              "OMPI_MCA_ompi_command"};
  for (auto n : kNames)
    if (name == n) return true;
  return false;
}

JobEnvironment::JobEnvironment() {
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    if (!is_launcher_variable(entry.substr(0, entry.find('=')))) entries_.push_back(entry);
  }
  for (auto& s : entries_) pointers_.push_back(s.data());
  pointers_.push_back(nullptr);
}

}  // namespace mixbo
