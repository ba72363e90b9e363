#include <gtest/gtest.h>

#include <fstream>

#include "mixbo/acq/acquisition.hpp"
#include "mixbo/exec/make_executor.hpp"
#include "mixbo/gp/kernel_parser.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/strategy/strategy_registry.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using mixbo::test::mixbo_binary;
using mixbo::test::run_command;

TEST(CliValidate, DemoCampaignIsValid) {
  const auto r = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR "/examples/demo.ini");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("valid"), std::string::npos);
  EXPECT_NE(r.output.find("StackExchange"), std::string::npos);
  EXPECT_NE(r.output.find("full target-scale runs"), std::string::npos);
}

TEST(CliValidate, BadInputExitsTwoWithTheKey) {
  const auto r = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                              "/examples/demo.ini --space.lower=0.6,0.5,0,0,0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("lower bounds sum to"), std::string::npos) << r.output;
  const auto missing = run_command(mixbo_binary() + " validate");
  EXPECT_EQ(missing.exit_code, 2);
  // One prefix (it said "mixbo validate: mixbo validate: missing CONFIG").
  EXPECT_NE(missing.output.find("mixbo validate: missing CONFIG"), std::string::npos)
      << missing.output;
  EXPECT_EQ(run_command(mixbo_binary() + " frobnicate").exit_code, 2);
  // A second plain argument (e.g. a folder meant as --campaign.workdir) is refused, not ignored.
  const auto extra = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                                  "/examples/demo.ini runs/elsewhere");
  EXPECT_EQ(extra.exit_code, 2) << extra.output;
  EXPECT_NE(extra.output.find("unexpected argument 'runs/elsewhere'"), std::string::npos)
      << extra.output;
}

TEST(CliValidate, HelpTeachesTheKeys) {
  const auto r = run_command(mixbo_binary() + " validate --help");
  const auto strategy_names = mixbo::strategy_registry().names();
  const auto executor_names = mixbo::executor_registry().names();
  const auto simulator_names = mixbo::simulator_registry().names();
  const auto acquisitions = mixbo::acquisition_registry().names();
  const auto kernels = mixbo::kernel_registry().names();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("[strategy]"), std::string::npos);
  EXPECT_NE(r.output.find("--section.key=value"), std::string::npos);
  // The allowed values of the component keys come from the registries, with their help.
  for (const auto* names :
       {&strategy_names, &executor_names, &simulator_names, &acquisitions, &kernels})
    for (const auto& n : *names)
      EXPECT_NE(r.output.find(std::string(20, ' ') + n + ": "), std::string::npos) << n;
}

// Issue 15, defect 7 and issue 17: validate builds what run builds (strategy and kernel,
// simulator, the job script) and checks the files a campaign needs, with exit 2 and the key.
TEST(CliValidate, RejectsWhatRunWouldReject) {
  const std::string demo = mixbo_binary() + " validate " MIXBO_SOURCE_DIR "/examples/demo.ini ";
  const std::string tmp = mixbo::test::scratch_dir("validate").string();
  { std::ofstream(tmp + "/mixbo-validate-file") << "x"; }
  struct Case {
    std::string flags, expect;
  };
  for (const auto& c : std::vector<Case>{
           {"--strategy.kernel='matern52(mixture) * frob(scale)'", "key 'strategy.kernel'"},
           // Component names: config keeps them as strings, the registries check them.
           {"--executor.type=kubernetes",
            "key 'executor.type' is 'kubernetes'; allowed: local, slurm, simulated"},
           {"--simulator.type=gpt",
            "key 'simulator.type' is 'gpt'; allowed: bimix, mlp, law-family"},
           {"--strategy.type=grid",
            "key 'strategy.type' is 'grid'; allowed: mfms-bo, random, "
            "sf-bo, hyperband, bimix-law, regmix"},
           {"--strategy.acquisition=pi",
            "key 'strategy.acquisition' names unknown acquisition 'pi' (known: logei, ucb, "
            "ei-per-cost, target-ei-per-cost, mes-per-cost)"},
           {"--job.template=/nonexistent/job.sbatch.in", "key 'job.template'"},
           {"--simulator.type=mlp --simulator.file=/nonexistent/w.json", "not part of mixbo"},
           {"--job.template=" MIXBO_SOURCE_DIR
            "/jobs/train.sbatch.in --job.command='python3 /nonexistent/train.py'",
            "key 'job.command' runs /nonexistent/train.py, which does not exist"},
           {"--job.template=" MIXBO_SOURCE_DIR "/jobs/train.sbatch.in", "job.command is required"},
           // A template that would not run the command: the training would never happen.
           {"--job.template=" MIXBO_SOURCE_DIR
            "/jobs/mixbo-proxy.sbatch.in --job.command='python3 train.py'",
            "job.command is set, but the template " MIXBO_SOURCE_DIR
            "/jobs/mixbo-proxy.sbatch.in does not run it"},
           {"--campaign.workdir=" + tmp + "/mixbo-validate-file", "key 'campaign.workdir'"},
           // The simulator makes the results (mixbo-proxy's template, or in process): a metric
           // it does not report would fail every job (it did: exit 1 after five failed jobs).
           {"--objective.metric=web_CE",
            "key 'objective.metric' names 'web_CE', which the simulator does not report (it "
            "reports Wikipedia_CE, StackExchange_CE, Github_CE, ArXiv_CE, Book_CE, train_CE)"},
           {"--executor.type=simulated --simulator.type=law-family "
            "--objective.metric='0.5*loss + 0.5*Book_CE'",
            "key 'objective.metric' names 'Book_CE', which the simulator does not report (it "
            "reports loss)"},
       }) {
    const auto r = run_command(demo + c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.flags << "\n" << r.output;
  }
}

// A training command's metrics are its own: only where the simulator makes the results does
// validate hold the objective to the simulator's metrics.
TEST(CliValidate, ATrainingCommandsMetricIsItsOwn) {
  const auto r =
      run_command(mixbo_binary() +
                  " validate " MIXBO_SOURCE_DIR
                  "/examples/demo.ini --objective.metric=web_CE --job.template=" MIXBO_SOURCE_DIR
                  "/jobs/train.sbatch.in --job.command='python3 train.py'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // job.command alone runs through the generic template (until session 57 the default template
  // ran the simulator, which ignored the command and reported simulated losses).
  const auto alone = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                                  "/examples/demo.ini --objective.metric=web_CE "
                                                  "--job.command='python3 train.py'");
  EXPECT_EQ(alone.exit_code, 0) << alone.output;
  EXPECT_NE(alone.output.find("jobs/train.sbatch.in"), std::string::npos) << alone.output;
}

// Every command that reads a campaign file refuses an unknown component name before it touches
// anything (config keeps the names as strings; cli checks them on loading).
TEST(CliValidate, EveryCommandRefusesAnUnknownComponentName) {
  for (const std::string command : {"validate", "run", "status", "cancel", "import"}) {
    const auto r = run_command(mixbo_binary() + " " + command +
                               " " MIXBO_SOURCE_DIR "/examples/demo.ini --strategy.type=grid" +
                               (command == "import" ? " /nonexistent/run" : ""));
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("key 'strategy.type' is 'grid'"), std::string::npos) << command << "\n"
                                                                                 << r.output;
  }
}

// The paper simulator's weights: validate says where they come from when they are missing.
TEST(CliValidate, PaperSimulatorWeights) {
  const auto r =
      run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR "/examples/paper-sim.ini");
  if (r.exit_code == 0) {
    EXPECT_NE(r.output.find("valid"), std::string::npos);
    return;
  }
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("namkoong-lab/data-recipes"), std::string::npos) << r.output;
}

// The second ladder (README, "The law family"): its step costs follow params / target params, so
// its smallest scale's full run costs 70M / 1.4B of a target run, and its step budgets are the
// defaults' fractions of 100,000 on the 1,000-step checkpoint grid.
TEST(CliValidate, LongLadderExample) {
  const auto r =
      run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR "/examples/long-ladder.ini");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("70M      params 7.00e+07  step cost 0.05000  full run 0.05000"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("budgets 6000 12000 25000 50000 100000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("law-family member 3"), std::string::npos) << r.output;
  // strategy.design_steps = auto: a full 70M run costs 1/20 of a target run, 25,000 steps 1/80.
  EXPECT_NE(r.output.find("mfms-bo's design: 31 runs, those at 70M 25000 steps long (auto)"),
            std::string::npos)
      << r.output;
}

// job.command may name its script through $MIXBO_CONFIG_DIR (the campaign file's folder, which
// every job gets): validate checks that path as the job will see it, and does not call it
// relative (it said "is a relative path ... give an absolute path" of an absolute one).
TEST(CliValidate, AScriptBesideTheCampaignFileIsCheckedWhereTheJobWillFindIt) {
  const std::string demo = mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                            "/examples/demo.ini --job.template=" MIXBO_SOURCE_DIR
                                            "/jobs/train.sbatch.in ";
  for (const std::string var : {"$MIXBO_CONFIG_DIR", "${MIXBO_CONFIG_DIR}"}) {
    // demo.ini's folder is examples/, which holds tiny-lm/train.py.
    const auto ok = run_command(demo + "--job.command='python3 \"" + var + "/tiny-lm/train.py\"'");
    EXPECT_EQ(ok.exit_code, 0) << var << "\n" << ok.output;
    EXPECT_EQ(ok.output.find("relative path"), std::string::npos) << var << "\n" << ok.output;
    const auto missing = run_command(demo + "--job.command='python3 " + var + "/nothing.py'");
    EXPECT_EQ(missing.exit_code, 2) << var << "\n" << missing.output;
    EXPECT_NE(missing.output.find("/examples/nothing.py, which does not exist"), std::string::npos)
        << var << "\n"
        << missing.output;
  }
}
