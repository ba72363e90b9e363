#pragma once
// A campaign as the user configured it: an INI file ([section] key = value; syntax in
// mixbo/config/ini.hpp) whose every key is also a command-line flag --section.key=value.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mixbo/space/search_space.hpp"

namespace mixbo {

// The objective is a weighted sum of named metrics reported by a run (often one metric).
struct ObjectiveConfig {
  std::vector<std::pair<std::string, double>> terms;  // metric name, weight
  bool minimize = true;
  std::string text;  // as written, for display
};

struct ExecutorConfig {
  std::string type = "local";  // local | slurm | simulated
  int max_concurrent = 2;
  int max_attempts = 2;  // submissions per trial before it stays failed
  double poll_seconds = 1.0;
  bool synchronous = false;     // a round waits until no run is in flight
  int stop_after_failures = 5;  // failed jobs in a row that stop the campaign (>= 1)
};

struct JobConfig {
  std::filesystem::path template_path;  // jobs/*.sbatch.in
  std::string command;                  // the user's training command (generic template)
};

struct SlurmConfig {
  std::string partition, account, gres, qos;
  int nodes = 1;
  int cpus_per_task = 1;
  std::map<std::string, std::string> time_limit;  // scale name -> Slurm time ("HH:MM:SS")
  std::string default_time_limit = "01:00:00";
  std::vector<std::string> extra;  // extra "#SBATCH" directives, verbatim
  bool use_array = false;          // submit the initial design as a job array
};

struct SimulatorConfig {
  std::string type = "bimix";   // bimix | mlp | law-family
  std::filesystem::path file;   // weights file of the mlp simulator
  std::uint64_t seed = 0;       // law-family: which member
  double target_params = 0;     // law-family: the target scale's size (its optimum is exact there)
  double noise = 0.0;           // std-dev of Gaussian observation noise
  double sleep_per_cost = 0.0;  // seconds a proxy run sleeps per unit of cost (demo realism)
};

struct StrategyConfig {
  std::string type = "mfms-bo";  // mfms-bo | random | sf-bo | hyperband | bimix-law | regmix
  std::string acquisition = "target-ei-per-cost";
  std::string kernel = "matern52(mixture) * rbf(scale) * expdecay(steps)";
  int n_init = 10;
  int batch = 0;  // proposals per round; 0 = as many as free slots
  int fit_starts = 16;
  int raw_samples = 1024;
  int refine_starts = 8;
  std::string output = "auto";  // GP strategies: model log(value) | raw value | auto
  int hyperband_eta = 3;
  std::string bimix_scale;            // cheap scale the bimix-law fit uses ("" = smallest)
  std::vector<double> bimix_entropy;  // per-domain entropies: bimix-law's training-free mode
  int regmix_runs = 32;               // cheap runs the regmix regression is trained on
};

struct CampaignConfig {
  std::filesystem::path file;  // where it was read from ("" for flags only)
  // The file's folder, absolute (the current folder for flags only): jobs get it as
  // $MIXBO_CONFIG_DIR, so a campaign file can name a training script that sits beside it.
  std::filesystem::path config_dir;
  std::string text;  // the file's text plus the flags given, stored in the archive
  std::string name;
  std::filesystem::path workdir;
  std::uint64_t seed = 0;
  double budget = 0;
  SearchSpace space;
  ObjectiveConfig objective;
  ExecutorConfig executor;
  JobConfig job;
  SlurmConfig slurm;
  SimulatorConfig simulator;
  StrategyConfig strategy;
};

// Reads `file` (may be empty when every required key comes as a flag) and the `flags`
// (--section.key=value, taking precedence over the file). Relative paths in the file are
// resolved against the file's folder. Throws ConfigError naming the file and key on bad input.
CampaignConfig load_config(const std::filesystem::path& file,
                           const std::vector<std::string>& flags = {});
// The same from the file's text (`file` names it in messages and anchors relative paths; an
// empty `file` means flags only and ignores `text`).
CampaignConfig load_config_text(const std::string& text, const std::filesystem::path& file,
                                const std::vector<std::string>& flags = {});

// Where a config came from, for messages: its file, or "flags" when it has none.
std::string config_source(const CampaignConfig& c);

// The help text of every key: section, key, default, meaning (for --help). `choices` lists,
// under a key, the values it may take, one per line: the composition root passes the
// registries' help_text() for the keys that name a component (config knows no algorithm).
std::string config_reference(const std::map<std::string, std::string>& choices = {});

// A human description of a valid campaign (what `mixbo validate` prints).
std::string describe(const CampaignConfig& c);

}  // namespace mixbo
