#pragma once
// The executors a campaign's executor.type may name, by name (core/registry.hpp): local
// (LocalExecutor, job state under <workdir>/local), slurm (SlurmExecutor, array wrappers under
// <workdir>/slurm), simulated (SimulatedExecutor). A new executor is its own file plus one add()
// line in src/exec/make_executor.cpp.
#include <functional>
#include <memory>

#include "mixbo/config/executor_options.hpp"
#include "mixbo/core/registry.hpp"
#include "mixbo/exec/executor.hpp"
#include "mixbo/exec/simulated_executor.hpp"

namespace mixbo {

// `run_trial` is what an in-process executor runs per trial; the others ignore it.
using ExecutorFactory =
    std::function<std::unique_ptr<Executor>(const ExecutorSetup&, const TrialRunner& run_trial)>;

const Registry<ExecutorFactory>& executor_registry();

// ConfigError naming the file and the key when executor.type names nothing registered.
void check_executor_name(const ExecutorSetup& setup);

// The executor setup.options.type names. `run_trial`: the simulated executor's TrialRunner
// (the composition root passes sim's simulated_trial_runner()); required for "simulated" only.
std::unique_ptr<Executor> make_executor(const ExecutorSetup& setup,
                                        const TrialRunner& run_trial = {});

}  // namespace mixbo
