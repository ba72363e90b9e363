#pragma once
// Runs a shell command line in tests and captures its combined output and exit code.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace mixbo::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// The prefix that runs a program on `np` ranks, as root too (containers, CI) and on more ranks
// than cores.
inline std::string mpiexec(int np) {
  return std::string(
             "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none ") +
         MIXBO_MPIEXEC + " -n " + std::to_string(np) + " ";
}

inline std::string mixbo_binary() { return std::string(MIXBO_BINARY_DIR) + "/mixbo"; }
inline std::string proxy_binary() { return std::string(MIXBO_BINARY_DIR) + "/mixbo-proxy"; }

}  // namespace mixbo::test
