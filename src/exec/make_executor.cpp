#include "mixbo/exec/make_executor.hpp"

#include "mixbo/core/error.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "mixbo/exec/slurm_executor.hpp"

namespace mixbo {

const Registry<ExecutorFactory>& executor_registry() {
  // One line per executor; the order is the order errors and --help list them in.
  static const Registry<ExecutorFactory> r = [] {
    Registry<ExecutorFactory> reg("executor");
    reg.add("local", "fork/exec the job scripts on this machine",
            [](const ExecutorSetup& c, const TrialRunner&) -> std::unique_ptr<Executor> {
              return std::make_unique<LocalExecutor>(c.workdir / "local", c.options.max_concurrent);
            });
    reg.add("slurm", "submit the job scripts with sbatch",
            [](const ExecutorSetup& c, const TrialRunner&) -> std::unique_ptr<Executor> {
              SlurmOptions o;
              o.use_array = c.options.slurm_array;
              return std::make_unique<SlurmExecutor>(c.workdir / "slurm", o);
            });
    reg.add("simulated", "evaluate the [simulator] in-process, no job scripts",
            [](const ExecutorSetup&, const TrialRunner& run) -> std::unique_ptr<Executor> {
              if (!run) throw Error("executor.type = simulated needs a trial runner");
              return std::make_unique<SimulatedExecutor>(run);
            });
    return reg;
  }();
  return r;
}

void check_executor_name(const ExecutorSetup& setup) {
  executor_registry().get(setup.options.type, setup.source, "executor.type");
}

std::unique_ptr<Executor> make_executor(const ExecutorSetup& setup, const TrialRunner& run_trial) {
  check_executor_name(setup);
  return executor_registry().find(setup.options.type)->make(setup, run_trial);
}

}  // namespace mixbo
