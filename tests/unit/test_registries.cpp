// One name -> factory registry per component kind (core/registry.hpp): strategies, executors,
// simulators and acquisitions. Each registered name builds the component of that name; an
// unknown name is a ConfigError naming the file and the key, with the allowed values; and
// config itself accepts any name (it knows no algorithm; the owning modules check).
#include <gtest/gtest.h>

#include "bench_test_support.hpp"
#include "mixbo/acq/acquisition.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/registry.hpp"
#include "mixbo/exec/make_executor.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "mixbo/strategy/strategy_registry.hpp"

using namespace mixbo;
using mixbo::test::TempDir;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

}  // namespace

TEST(Registry, KeepsOrderRefusesDuplicatesAndNamesTheKey) {
  Registry<int> r("widget");
  r.add("b", "the b", 2).add("a", "the a", 1);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(r.names_text(), "b, a");
  EXPECT_EQ(r.help_text(), "b: the b\na: the a\n");
  EXPECT_EQ(r.find("a")->make, 1);
  EXPECT_EQ(r.find("c"), nullptr);
  EXPECT_EQ(r.get("b", "f.ini", "x.type").make, 2);
  EXPECT_EQ(message_of([&] { r.get("c", "f.ini", "x.type"); }),
            "f.ini: key 'x.type' is 'c'; allowed: b, a");
  EXPECT_THROW(r.add("a", "again", 3), Error);
}

TEST(Registries, EveryStrategyNameBuildsThatStrategy) {
  TempDir tmp;
  SerialTeam team;
  EXPECT_EQ(
      strategy_registry().names(),
      (std::vector<std::string>{"mfms-bo", "random", "sf-bo", "hyperband", "bimix-law", "regmix"}));
  for (const auto& name : strategy_registry().names()) {
    const auto c = test::demo(tmp.path / "w", name, 3);
    EXPECT_EQ(make_strategy(c.strategy_setup(), team)->name(), name);
  }
}

TEST(Registries, UnknownStrategyOrAcquisitionNamesTheKey) {
  TempDir tmp;
  SerialTeam team;
  auto c = test::demo(tmp.path / "w", "grid", 3);  // config accepts the name
  EXPECT_EQ(message_of([&] { make_strategy(c.strategy_setup(), team); }),
            "flags: key 'strategy.type' is 'grid'; allowed: mfms-bo, random, sf-bo, hyperband, "
            "bimix-law, regmix");
  c.strategy.type = "mfms-bo";
  c.strategy.acquisition = "pi";
  EXPECT_EQ(message_of([&] { check_strategy_names(c.strategy_setup()); }),
            "flags: key 'strategy.acquisition' names unknown acquisition 'pi' (known: logei, ucb, "
            "ei-per-cost, target-ei-per-cost, mes-per-cost)");
  c.file = "/x/campaign.ini";
  const std::string message = message_of([&] { make_strategy(c.strategy_setup(), team); });
  EXPECT_EQ(message.rfind("/x/campaign.ini: key ", 0), 0u) << message;
}

TEST(Registries, EveryExecutorNameBuildsThatExecutor) {
  TempDir tmp;
  auto c = test::demo(tmp.path / "w", "random", 3);
  EXPECT_EQ(executor_registry().names(), (std::vector<std::string>{"local", "slurm", "simulated"}));
  for (const auto& name : executor_registry().names()) {
    c.executor.type = name;
    EXPECT_EQ(make_executor(c.executor_setup(), simulated_trial_runner())->name(), name);
  }
  c.executor.type = "simulated";
  // The composition root must pass a runner.
  EXPECT_THROW(make_executor(c.executor_setup()), Error);
  c.executor.type = "kubernetes";
  EXPECT_EQ(message_of([&] { make_executor(c.executor_setup(), simulated_trial_runner()); }),
            "flags: key 'executor.type' is 'kubernetes'; allowed: local, slurm, simulated");
}

TEST(Registries, EverySimulatorNameBuildsThatSimulator) {
  TempDir tmp;
  auto c = test::demo(tmp.path / "w", "random", 3);
  EXPECT_EQ(simulator_registry().names(), (std::vector<std::string>{"bimix", "mlp", "law-family"}));
  const std::vector<std::string> domains{"a", "b", "c"};
  for (const auto& name : simulator_registry().names()) {
    c.simulator.type = name;
    if (name == "mlp") {  // its weights are not part of mixbo
      EXPECT_NE(message_of([&] { make_simulator(c.simulator, domains); }).find("weights file"),
                std::string::npos);
      continue;
    }
    EXPECT_FALSE(make_simulator(c.simulator, domains)->metrics().empty()) << name;
  }
  c.simulator.type = "gpt";
  EXPECT_EQ(message_of([&] { check_simulator_name(c.simulator, config_source(c)); }),
            "flags: key 'simulator.type' is 'gpt'; allowed: bimix, mlp, law-family");
}

TEST(Registries, AcquisitionNamesAreTheirKinds) {
  for (const auto& e : acquisition_registry().entries()) {
    EXPECT_EQ(parse_acquisition(e.name), e.make);
    EXPECT_EQ(acquisition_name(e.make), e.name);
    EXPECT_FALSE(e.help.empty());
  }
}
