#pragma once
// A campaign as the user configured it: an INI file ([section] key = value; syntax in
// mixbo/config/ini.hpp) whose every key is also a command-line flag --section.key=value.
// Each section is its module's options struct (config/*_options.hpp) with its own validate();
// a module is handed only its own: only the composition root (cli), the campaign's own
// bookkeeping (loop, io's job scripts and archive) and the bench suite see the whole.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mixbo/config/executor_options.hpp"
#include "mixbo/config/job_options.hpp"
#include "mixbo/config/objective_options.hpp"
#include "mixbo/config/simulator_options.hpp"
#include "mixbo/config/strategy_options.hpp"
#include "mixbo/space/search_space.hpp"

namespace mixbo {

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
  ObjectiveOptions objective;
  ExecutorOptions executor;
  JobOptions job;
  SbatchOptions slurm;
  SimulatorOptions simulator;
  StrategyOptions strategy;

  // What make_strategy gets: the space, seed, budget and [strategy] section, nothing else.
  StrategySetup strategy_setup() const;
  // What make_executor gets: the [executor] section and the workdir.
  ExecutorSetup executor_setup() const;
  // What render_job_script gets: [job], [slurm] and the two folders.
  JobSetup job_setup() const;
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
