#pragma once
// Small local-executor campaigns of mixbo-proxy jobs for end-to-end tests: writes a campaign
// file into a fresh folder and runs the real `mixbo` binary on it.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "scratch.hpp"

namespace mixbo::test {

struct E2eCampaign {
  std::filesystem::path dir;     // holds campaign.ini and run/ (the workdir)
  std::filesystem::path config;  // dir / campaign.ini
  std::filesystem::path workdir() const { return dir / "run"; }
  std::filesystem::path archive() const { return workdir() / "campaign.h5"; }
};

// `extra` lines go at the end of the file (later keys of a section override earlier ones only
// through flags, so pass sections that are not already present, or use flags).
inline E2eCampaign make_e2e_campaign(const std::string& name, const std::string& sections,
                                     double budget = 3, int max_concurrent = 2) {
  E2eCampaign c;
  c.dir = scratch_dir("e2e", name);
  c.config = c.dir / "campaign.ini";
  std::ofstream f(c.config);
  f << "[campaign]\nname = " << name << "\nseed = 11\nbudget = " << budget
    << "\nworkdir = " << (c.dir / "run").string()
    << "\n\n[space]\ndomains = web, code, books\n\n[scales]\ntarget = 1B\n\n"
       "[steps]\ninterval = 100\nmax = 1000\n\n[objective]\nmetric = code_CE\n\n"
       "[executor]\ntype = local\nmax_concurrent = "
    << max_concurrent << "\nmax_attempts = 2\npoll_seconds = 0.05\n\n"
    << sections << "\n";
  return c;
}

// Runs `mixbo ARGS` with the environment assignments `env` ("K=V ..." prefix, already quoted).
inline CommandResult mixbo(const std::string& env, const std::string& args) {
  return run_command(env + (env.empty() ? "" : " ") + mixbo_binary() + " " + args);
}

// Starts `mixbo ARGS` in a child process with stdout and stderr appended to `log`, for tests
// that signal or kill the driver while it runs; returns the child's pid.
inline pid_t spawn_mixbo(const std::vector<std::string>& args, const std::filesystem::path& log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  std::vector<std::string> all = {mixbo_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace mixbo::test
