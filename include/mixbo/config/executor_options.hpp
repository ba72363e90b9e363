#pragma once
// The [executor] section: how many runs go at once, how failures are retried and stop a
// campaign, and which executor submits them.
#include <filesystem>
#include <string>

namespace mixbo {

struct ExecutorOptions {
  std::string type = "local";  // a name of executor_registry()
  int max_concurrent = 2;
  int max_attempts = 2;  // submissions per trial before it stays failed
  double poll_seconds = 1.0;
  bool synchronous = false;     // a round waits until no run is in flight
  int stop_after_failures = 5;  // failed jobs in a row that stop the campaign (>= 1)
  bool slurm_array = false;     // key slurm.array: submit the initial design as a job array

  // ConfigError "key 'executor.KEY' ..." for a value out of range.
  void validate() const;
};

// All an executor sees of its campaign: this section and the folder its state goes under.
struct ExecutorSetup {
  ExecutorOptions options;
  std::filesystem::path workdir;
  std::string source;  // the campaign file (or "flags"), for messages naming a key
};

}  // namespace mixbo
