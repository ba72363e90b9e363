// mixbo-proxy as a job script runs it: params.ini in, result.h5 out, and every injected fault.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "mixbo/exec/simulated_executor.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

const std::string kProxy = std::string(MIXBO_BINARY_DIR) + "/mixbo-proxy";

TrialParams params(const std::string& name) {
  const auto dir = test::scratch_dir("proxy-test", name);
  TrialParams p;
  p.trial_id = "t0002";
  p.campaign = "proxytest";
  p.domains = {"Wikipedia", "StackExchange", "Github", "ArXiv", "Book"};
  p.mixture = {0.1, 0.4, 0.2, 0.2, 0.1};
  p.scale = "150M";
  p.scale_params = 1.5e8;
  p.steps = 2000;
  p.checkpoint_interval = 100;
  p.seed = 5;
  p.trial_dir = dir;
  p.result = dir / "result.h5";
  p.metrics = {"StackExchange_CE"};
  p.noise = 0.002;
  p.cost = 0.0077;
  write_params(dir / "params.ini", p);
  return p;
}

ResultExpectations expect(const TrialParams& p) { return {p.trial_id, p.metrics, p.steps}; }

test::CommandResult proxy(const TrialParams& p, const std::string& args = "") {
  return test::run_command(kProxy + " " + (p.trial_dir / "params.ini").string() + " " + args);
}

}  // namespace

TEST(Proxy, HelpExplainsItself) {
  const auto r = test::run_command(kProxy + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("params.ini"), std::string::npos);
  EXPECT_NE(r.output.find("--fault"), std::string::npos);
}

TEST(Proxy, WritesTheSimulatedCurve) {
  const auto p = params("ok");
  const auto r = proxy(p);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto c = read_result(p.result, expect(p));
  EXPECT_EQ(c.status, "ok");
  ASSERT_EQ(c.steps.size(), 20u);
  EXPECT_EQ(c.steps.back(), 2000);
  const auto sim = make_simulator(simulator_options(p), p.domains);
  const auto want = simulate_trial(*sim, p);
  // The same numbers as in-process, noise included.
  EXPECT_EQ(c.metrics.at("StackExchange_CE"), want.metrics.at("StackExchange_CE"));
}

TEST(Proxy, ParamsFromTheEnvironment) {
  const auto p = params("env");
  const auto r =
      test::run_command("MIXBO_PARAMS=" + (p.trial_dir / "params.ini").string() + " " + kProxy);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NO_THROW(read_result(p.result, expect(p)));
}

TEST(Proxy, BadParamsAreUsageErrors) {
  auto p = params("bad");
  EXPECT_EQ(test::run_command(kProxy).exit_code, 2);
  EXPECT_EQ(test::run_command(kProxy + " " + (p.trial_dir / "absent.ini").string()).exit_code, 2);
  p.simulator = "mlp";
  p.simulator_file = p.trial_dir / "absent.json";
  write_params(p.trial_dir / "params.ini", p);
  const auto r = proxy(p);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("absent.json"), std::string::npos) << r.output;
  EXPECT_EQ(proxy(params("mode"), "--fault=explode").exit_code, 2);
}

TEST(Proxy, SleepsInProportionToCostAndLeavesPartialCurves) {
  auto p = params("sleep");
  p.sleep_per_cost = 40;  // 0.0077 cost -> ~0.3 s
  write_params(p.trial_dir / "params.ini", p);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(proxy(p).exit_code, 0);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GT(s, 0.29);
  EXPECT_EQ(read_result(p.result, expect(p)).status, "ok");
}

TEST(Proxy, InjectedFaults) {
  {
    const auto p = params("fail");
    EXPECT_EQ(proxy(p, "--fault=fail").exit_code, 1);
    EXPECT_FALSE(fs::exists(p.result));
  }
  {
    const auto p = params("partial");
    EXPECT_EQ(proxy(p, "--fault=partial").exit_code, 1);
    const auto c = read_result(p.result, expect(p));
    EXPECT_EQ(c.status, "partial");
    EXPECT_EQ(c.steps.size(), 10u);
  }
  for (const std::string mode : {"truncate", "nan", "wrong-id"}) {
    const auto p = params(mode);
    const auto r = test::run_command("MIXBO_PROXY_FAULT=" + mode + " " + kProxy + " " +
                                     (p.trial_dir / "params.ini").string());
    EXPECT_EQ(r.exit_code, 0) << mode;
    EXPECT_THROW(read_result(p.result, expect(p)), ResultError) << mode;
  }
  {
    const auto p = params("hang");
    const auto r = test::run_command("timeout 0.5 " + kProxy + " " +
                                     (p.trial_dir / "params.ini").string() + " --fault=hang");
    EXPECT_EQ(r.exit_code, 124);
    EXPECT_FALSE(fs::exists(p.result));
  }
}

TEST(Proxy, FaultsCanBeLimitedToAttemptsAndTrials) {
  auto p = params("attempts");
  EXPECT_EQ(proxy(p, "--fault=fail --fault-attempts=1").exit_code, 1);
  p.attempt = 2;
  write_params(p.trial_dir / "params.ini", p);
  EXPECT_EQ(proxy(p, "--fault=fail --fault-attempts=1").exit_code, 0);
  EXPECT_EQ(proxy(p, "--fault=fail --fault-trials=t0001,t0003").exit_code, 0);
  EXPECT_EQ(proxy(p, "--fault=fail --fault-trials=t0001,t0002").exit_code, 1);
}

TEST(SimulatedExecutor, WritesWhatTheProxyWrites) {
  const auto p = params("executor");
  SimulatedExecutor ex(simulated_trial_runner());
  JobRequest job{p.trial_id, "mixbo-proxytest-t0002", p.trial_dir, p.trial_dir / "job.sbatch", 1};
  const auto id = ex.submit(job);
  const auto st = ex.poll({id, "sim-999"});
  EXPECT_EQ(st.at(id).phase, JobPhase::Completed);
  EXPECT_EQ(st.at("sim-999").phase, JobPhase::Failed);
  EXPECT_EQ(st.at("sim-999").reason, "unknown job");
  EXPECT_EQ(ex.find_by_name("mixbo-proxytest-t0002"), id);
  EXPECT_FALSE(ex.find_by_name("other").has_value());
  const auto in_process = read_result(p.result, expect(p));
  ASSERT_EQ(proxy(p).exit_code, 0);
  EXPECT_EQ(read_result(p.result, expect(p)).metrics, in_process.metrics);
}

TEST(SimulatedExecutor, UnsimulatableTrialsFailWithTheReason) {
  auto p = params("executor-bad");
  p.simulator = "mlp";
  p.simulator_file = p.trial_dir / "absent.json";
  write_params(p.trial_dir / "params.ini", p);
  SimulatedExecutor ex(simulated_trial_runner());
  const auto id = ex.submit({p.trial_id, "j", p.trial_dir, p.trial_dir / "job.sbatch", 1});
  const auto st = ex.poll({id}).at(id);
  EXPECT_EQ(st.phase, JobPhase::Failed);
  EXPECT_NE(st.reason.find("absent.json"), std::string::npos) << st.reason;
  EXPECT_FALSE(fs::exists(p.result));
}
