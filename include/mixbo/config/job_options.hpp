#pragma once
// The [job] and [slurm] sections: what every job script runs, and the #SBATCH directives it
// carries. Seen by io (which renders job scripts), not by strategies or executors.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mixbo/space/search_space.hpp"

namespace mixbo {

struct JobOptions {
  std::filesystem::path template_path;  // jobs/*.sbatch.in
  std::string command;                  // the user's training command (generic template)
};

struct SbatchOptions {
  std::string partition, account, gres, qos;
  int nodes = 1;
  int cpus_per_task = 1;
  std::map<std::string, std::string> time_limit;  // scale name -> Slurm time ("HH:MM:SS")
  std::string default_time_limit = "01:00:00";
  std::vector<std::string> extra;  // extra "#SBATCH" directives, verbatim

  // ConfigError "key 'slurm.KEY' ..." (a time limit for a scale not on the ladder, a malformed
  // time, a directive that is not one '--' line, counts below 1).
  void validate(const SearchSpace& space) const;
};

// All a job script is rendered from: these two sections and the campaign's folders.
struct JobSetup {
  JobOptions job;
  SbatchOptions sbatch;
  std::filesystem::path workdir;     // the campaign folder ({{workdir}})
  std::filesystem::path config_dir;  // the campaign file's folder ($MIXBO_CONFIG_DIR)
};

}  // namespace mixbo
