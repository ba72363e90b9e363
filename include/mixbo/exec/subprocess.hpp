#pragma once
// Runs one external program (argv, no shell) and captures what it says. Used for the Slurm
// commands: nothing a user or a job names is ever parsed by a shell on the driver's side.
#include <string>
#include <vector>

namespace mixbo {

struct ProcessResult {
  int exit_code = -1;        // exit status; -1 when it did not exit normally
  int signal = 0;            // the signal that ended it (SIGKILL after a timeout)
  bool timed_out = false;    // killed because it ran past the timeout
  bool not_started = false;  // program not found or not executable (see `error`)
  std::string out, err;      // everything it wrote to stdout / stderr
  std::string error;         // why it did not start

  bool ok() const { return exit_code == 0 && !timed_out && !not_started; }
};

// Runs argv[0] (looked up on PATH when it holds no '/') with argv[1..], stdin from /dev/null, in
// its own process group so that a timeout kills it with everything it started. `timeout_seconds`
// <= 0 means no limit. Throws Error only when the machine cannot make pipes.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_seconds);

// The file argv[0] would run: `name` itself when it holds a '/', else the first executable
// PATH entry; "" when there is none.
std::string find_program(const std::string& name);

}  // namespace mixbo
