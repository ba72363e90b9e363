// mixbo-proxy: stands in for a training run inside a job script. It reads the trial's
// params.ini, evaluates the campaign's simulator at every checkpoint up to the step budget and
// writes result.h5 exactly as a real training job must (mixbo/io/result_file.hpp). It can be
// told to misbehave, so the driver's fault handling can be tested end to end.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include "mixbo/core/error.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/simjob/simulate_run.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kHelp = R"(usage: mixbo-proxy [PARAMS] [options]

Simulates one proxy training run of a mixbo campaign, as a job script would run a real one:
reads the trial's params.ini (PARAMS, or $MIXBO_PARAMS), evaluates the campaign's simulator
(params: simulator = bimix | mlp | law-family, simulator_file, noise, run_noise, seed) at every
checkpoint (checkpoint_interval, 2*checkpoint_interval, ..., steps) and writes the learning
curve of every simulator metric to `result` (default <trial_dir>/result.h5): root attributes
schema, trial_id, status; datasets steps and one float64 per metric. With sleep_per_cost > 0
it takes sleep_per_cost * cost seconds, rewriting a "partial" result as it goes, like a real
run that checkpoints; killed mid-way it leaves a valid partial curve.

Fault injection (for tests of the driver; also from the environment):
  --fault=MODE           MIXBO_PROXY_FAULT: one of
                           fail      exit 1 without a result file
                           partial   write the first half of the curve (status "partial"), exit 1
                           hang      sleep forever (until killed)
                           truncate  write a result, then cut the file in half (corrupt HDF5)
                           nan       write a result whose last values are NaN
                           wrong-id  write a result with another trial's id
                           missing-metric  write a result without the objective's metrics
  --fault-attempts=N     MIXBO_PROXY_FAULT_ATTEMPTS: misbehave only while attempt <= N
                         (so a resubmission succeeds); default: every attempt
  --fault-trials=LIST    MIXBO_PROXY_FAULT_TRIALS: misbehave only for these trial ids
                         (comma list); default: every trial

Exit status: 0 result written; 1 failure (including injected ones); 2 bad usage or params.
)";

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

bool listed(const std::string& list, const std::string& id) {
  if (list.empty()) return true;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ','))
    if (item == id) return true;
  return false;
}

mixbo::ResultCurve head(const mixbo::ResultCurve& c, size_t n) {
  mixbo::ResultCurve h = c;
  h.steps.resize(std::min(n, c.steps.size()));
  for (auto& [name, v] : h.metrics) v.resize(h.steps.size());
  h.status = "partial";
  return h;
}

void sleep_seconds(double s) {
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// The fault to inject into this attempt ("" = none), from the flags or $MIXBO_PROXY_FAULT,
// _ATTEMPTS, _TRIALS; nullopt (after saying why) for an unknown mode.
std::optional<std::string> injected_fault(const po::variables_map& vm,
                                          const mixbo::TrialParams& p) {
  std::string fault =
      vm.count("fault") ? vm["fault"].as<std::string>() : env_or("MIXBO_PROXY_FAULT", "");
  const int fault_attempts = vm.count("fault-attempts")
                                 ? vm["fault-attempts"].as<int>()
                                 : std::stoi(env_or("MIXBO_PROXY_FAULT_ATTEMPTS", "2147483647"));
  const std::string fault_trials = vm.count("fault-trials")
                                       ? vm["fault-trials"].as<std::string>()
                                       : env_or("MIXBO_PROXY_FAULT_TRIALS", "");
  static const std::vector<std::string> modes = {"",         "fail", "partial",  "hang",
                                                 "truncate", "nan",  "wrong-id", "missing-metric"};
  if (std::find(modes.begin(), modes.end(), fault) == modes.end()) {
    std::cerr << "mixbo-proxy: unknown fault mode '" << fault << "'; see --help\n";
    return std::nullopt;
  }
  if (p.attempt > fault_attempts || !listed(fault_trials, p.trial_id)) fault.clear();
  return fault;
}

// Training takes time: sleeps `total_sleep` seconds in slices and leaves a partial curve after
// each, as a real run that writes its evaluations as it goes.
void write_while_training(const fs::path& result, const mixbo::ResultCurve& curve,
                          double total_sleep) {
  const size_t n = curve.steps.size();
  if (total_sleep > 0) {
    const size_t slices = std::min<size_t>(n, 10);
    for (size_t s = 1; s < slices; ++s) {
      sleep_seconds(total_sleep / static_cast<double>(slices));
      mixbo::write_result(result, head(curve, n * s / slices));
    }
    sleep_seconds(total_sleep / static_cast<double>(slices));
  }
}

int run(int argc, char** argv) {
  po::options_description desc;
  desc.add_options()("help,h", "")("params", po::value<std::string>(), "")(
      "result", po::value<std::string>(), "")("fault", po::value<std::string>(), "")(
      "fault-attempts", po::value<int>(), "")("fault-trials", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("params", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "mixbo-proxy: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kHelp;
    return 0;
  }
  const std::string params_file =
      vm.count("params") ? vm["params"].as<std::string>() : env_or("MIXBO_PARAMS", "");
  if (params_file.empty()) {
    std::cerr << "mixbo-proxy: no params file (argument or $MIXBO_PARAMS); see --help\n";
    return 2;
  }
  mixbo::TrialParams p;
  std::unique_ptr<mixbo::Simulator> sim;
  try {
    p = mixbo::read_params(params_file);
    sim = mixbo::make_simulator(mixbo::simulator_options(p), p.domains);
  } catch (const std::exception& e) {
    std::cerr << "mixbo-proxy: " << e.what() << "\n";
    return 2;
  }
  fs::path result = vm.count("result") ? fs::path(vm["result"].as<std::string>()) : p.result;
  if (result.empty()) result = p.trial_dir / "result.h5";

  const auto injected = injected_fault(vm, p);
  if (!injected) return 2;
  const std::string fault = *injected;

  std::cerr << "mixbo-proxy: trial " << p.trial_id << " attempt " << p.attempt << ": " << p.scale
            << " for " << p.steps << " steps on the " << p.simulator << " simulator"
            << (fault.empty() ? "" : " (injected fault: " + fault + ")") << "\n";
  if (fault == "fail") {
    std::cerr << "mixbo-proxy: injected failure\n";
    return 1;
  }
  if (fault == "hang") {
    for (;;) pause();
  }

  mixbo::ResultCurve curve;
  try {
    curve = mixbo::simulate_trial(*sim, p);
  } catch (const std::exception& e) {
    std::cerr << "mixbo-proxy: " << e.what() << "\n";
    return 1;
  }
  const size_t n = curve.steps.size();
  write_while_training(result, curve, p.sleep_per_cost * p.cost);
  if (fault == "partial") {
    mixbo::write_result(result, head(curve, std::max<size_t>(1, n / 2)));
    std::cerr << "mixbo-proxy: injected failure after a partial curve\n";
    return 1;
  }
  if (fault == "nan")
    for (auto& [name, v] : curve.metrics) v.back() = std::numeric_limits<double>::quiet_NaN();
  if (fault == "wrong-id") curve.trial_id += "-wrong";
  if (fault == "missing-metric")
    for (const auto& m : p.metrics) curve.metrics.erase(m);
  mixbo::write_result(result, curve);
  if (fault == "truncate") fs::resize_file(result, fs::file_size(result) / 2);
  std::cerr << "mixbo-proxy: wrote " << result.string() << " (" << n << " checkpoints)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "mixbo-proxy: error: " << e.what() << "\n";
    return 1;
  }
}
