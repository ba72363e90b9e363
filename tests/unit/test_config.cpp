#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

const char* kGood = R"(
[campaign]
name = t1
budget = 5
[space]
domains = web, code, books
[objective]
metric = loss
)";

fs::path write_config(const std::string& text) {
  static int n = 0;
  const auto dir = test::scratch_dir("config-test");
  const auto p = dir / ("c" + std::to_string(n++) + ".ini");
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const std::string& text, const std::vector<std::string>& flags = {}) {
  const auto p = write_config(text);
  try {
    load_config(p, flags);
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string()), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  }
  ADD_FAILURE() << "config was accepted:\n" << text;
  return "";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST(Config, GoodConfigParsesWithDefaults) {
  const auto c = load_config(write_config(kGood));
  EXPECT_EQ(c.name, "t1");
  EXPECT_EQ(c.space.k(), 3);
  EXPECT_EQ(c.space.scales().size(), 7);
  EXPECT_EQ(c.space.scales().target_scale().name, "1B");
  EXPECT_EQ(c.space.steps().max_steps(), 19500);
  EXPECT_EQ(c.space.steps().budgets().back(), 19500);
  EXPECT_EQ(c.objective.terms.size(), 1u);
  EXPECT_TRUE(c.objective.minimize);
  EXPECT_EQ(c.executor.type, "local");
  EXPECT_NE(describe(c).find("full target-scale runs"), std::string::npos);
}

// The trend models' kernels are printed where "auto" gives them their own: for both GP strategies
// (sf-bo fits them too), not with one kernel for every model, not for a baseline.
TEST(Config, DescribeNamesTheTrendModelsKernelsWhereTheyDiffer) {
  const std::string trend = std::string("trend      ") + StrategyOptions::kTrendKernel + " and " +
                            StrategyOptions::kDefaultKernel;
  for (const char* type : {"mfms-bo", "sf-bo"})
    EXPECT_NE(describe(load_config(write_config(kGood), {std::string("--strategy.type=") + type}))
                  .find(trend),
              std::string::npos)
        << type;
  for (const auto& flag :
       {"--strategy.type=random", "--strategy.kernel=rbf(mixture)", "--strategy.checkpoints=all"})
    EXPECT_EQ(describe(load_config(write_config(kGood), {flag})).find("trend      "),
              std::string::npos)
        << flag;
}

TEST(Config, FlagsOverrideTheFile) {
  const auto c =
      load_config(write_config(kGood), {"--campaign.budget=7.5", "--executor.type=simulated"});
  EXPECT_DOUBLE_EQ(c.budget, 7.5);
  EXPECT_EQ(c.executor.type, "simulated");
}

// strategy.run_noise = auto: mfms-bo repeats its design's first runs to measure the size from,
// after the design, which stays as it is.
TEST(Config, AutoRunNoiseAddsTheDesignsRepeats) {
  const auto plain = load_config(write_config(kGood), {});
  const auto c = load_config(write_config(kGood), {"--strategy.run_noise=auto"});
  EXPECT_EQ(c.strategy.run_noise, StrategyOptions::kAutoRunNoise);
  EXPECT_EQ(plain.strategy.design_replicates_for(plain.space), 0);
  EXPECT_EQ(c.strategy.design_replicates_for(c.space), StrategyOptions::kAutoReplicates);
  EXPECT_EQ(c.strategy.design_runs_for(c.space), plain.strategy.design_runs_for(plain.space));
  EXPECT_NE(describe(c).find("after it its first 3 again with other seeds, one after each of the "
                             "first acquisition runs"),
            std::string::npos)
      << describe(c);
  EXPECT_NE(describe(c).find("none more once one agrees with its run bit for bit"),
            std::string::npos);
  EXPECT_EQ(describe(c).find("no size is measured"), std::string::npos);
  // A budget whose third the design already costs: the repeats are never made.
  const auto small =
      load_config(write_config(kGood), {"--strategy.run_noise=auto", "--campaign.budget=0.2"});
  EXPECT_GE(small.strategy.design_cost(small.space), StrategyOptions::kDesignShare * 0.2);
  EXPECT_NE(describe(small).find("no size is measured"), std::string::npos) << describe(small);
  const auto sf =
      load_config(write_config(kGood), {"--strategy.run_noise=auto", "--strategy.type=sf-bo"});
  EXPECT_NE(describe(sf).find("no seed noise is measured"), std::string::npos) << describe(sf);
}

TEST(Config, CustomLadderWithParsedParamsAndWeightedObjective) {
  const auto c = load_config(write_config(std::string(kGood) + R"(
[scales]
names = tiny, small, big
params = 10M, 0.1B, 1e9
target = small
)"),
                             {"--objective.metric=0.25*a_CE + 0.75*b_CE"});
  EXPECT_EQ(c.space.scales().target_scale().name, "small");
  EXPECT_DOUBLE_EQ(c.space.scales()[0].params, 1e7);
  EXPECT_DOUBLE_EQ(c.space.scales()[1].step_cost, 1.0);  // relative to the target
  EXPECT_DOUBLE_EQ(c.space.scales()[2].step_cost, 10.0);
  ASSERT_EQ(c.objective.terms.size(), 2u);
  EXPECT_DOUBLE_EQ(c.objective.terms[1].second, 0.75);
}

struct BadCase {
  const char* label;
  std::string text;
  const char* expect;
};
// The case's name where ctest lists the test (it showed the struct's bytes).
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.label; }

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, NamesKeyAndProblem) {
  const auto& c = GetParam();
  const auto msg = error_of(c.text);
  EXPECT_NE(msg.find(c.expect), std::string::npos) << "message: " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfig,
    ::testing::Values(
        BadCase{"unknown_key_with_suggestion",
                replace(kGood, "budget = 5", "budget = 5\nbugdet = 3"),
                "unknown key 'campaign.bugdet'; did you mean 'campaign.budget'?"},
        BadCase{"unknown_section", std::string(kGood) + "[foo]\nbar = 1\n",
                "unknown key 'foo.bar'"},
        BadCase{"missing_name", replace(kGood, "name = t1\n", ""),
                "key 'campaign.name' is required"},
        BadCase{"missing_budget", replace(kGood, "budget = 5\n", ""),
                "key 'campaign.budget' is required"},
        BadCase{"missing_domains", replace(kGood, "domains = web, code, books\n", ""),
                "key 'space.domains' is required"},
        BadCase{"missing_metric", replace(kGood, "metric = loss\n", ""),
                "key 'objective.metric' is required"},
        BadCase{"lower_bounds_over_one",
                replace(kGood, "books\n", "books\nlower = 0.5, 0.4, 0.2\n"), "lower bounds sum to"},
        BadCase{"upper_bounds_under_one",
                replace(kGood, "books\n", "books\nupper = 0.3, 0.3, 0.3\n"), "upper bounds sum to"},
        BadCase{"bounds_wrong_length", replace(kGood, "books\n", "books\nupper = 0.5, 0.5\n"),
                "key 'space.upper' has 2 values for 3 domains"},
        BadCase{"duplicate_domains", replace(kGood, "web, code, books", "web, code, web"),
                "duplicate domain name 'web'"},
        BadCase{"target_not_in_ladder", std::string(kGood) + "[scales]\ntarget = 2B\n",
                "target scale '2B' is not in the ladder"},
        BadCase{"negative_budget", replace(kGood, "budget = 5", "budget = -1"),
                "key 'campaign.budget' must be positive"},
        BadCase{
            "zero_step_cost",
            std::string(kGood) + "[scales]\nnames = a, b\nparams = 1M, 2M\nstep_costs = 0.5, 0\n",
            "key 'scales.step_costs' must be positive"},
        BadCase{"malformed_number", replace(kGood, "budget = 5", "budget = 5x"),
                "key 'campaign.budget' has malformed number '5x'"},
        BadCase{"malformed_integer", std::string(kGood) + "[steps]\ninterval = 1.5\n",
                "key 'steps.interval' must be an integer"},
        BadCase{"budget_not_multiple", std::string(kGood) + "[steps]\nbudgets = 250\n",
                "key 'steps.budgets'"},
        BadCase{"duplicate_key", replace(kGood, "budget = 5", "budget = 5\nbudget = 6"),
                "key 'campaign.budget' is given twice"},
        BadCase{"bad_metric_expression", replace(kGood, "metric = loss", "metric = 0.5*"),
                "key 'objective.metric' has malformed term"},
        BadCase{"bad_time_limit", std::string(kGood) + "[slurm]\ntime = 1h\n",
                "key 'slurm.time' has malformed time limit '1h'"},
        BadCase{"time_for_unknown_scale", std::string(kGood) + "[slurm]\ntime = 3B=01:00:00\n",
                "key 'slurm.time' names unknown scale '3B'"},
        BadCase{"bad_campaign_name", replace(kGood, "name = t1", "name = a b;rm"),
                "key 'campaign.name'"},
        BadCase{"mlp_without_file", std::string(kGood) + "[simulator]\ntype = mlp\n",
                "key 'simulator.file' is required"},
        BadCase{"negative_run_noise", std::string(kGood) + "[simulator]\nrun_noise = -0.01\n",
                "key 'simulator.run_noise' must be non-negative"},
        BadCase{"negative_strategy_run_noise",
                std::string(kGood) + "[strategy]\nrun_noise = -0.01\n",
                "key 'strategy.run_noise' must be auto or a finite standard deviation >= 0"},
        BadCase{"minus_one_strategy_run_noise",  // not a spelling of auto
                std::string(kGood) + "[strategy]\nrun_noise = -1\n",
                "key 'strategy.run_noise' must be auto or a finite standard deviation >= 0"},
        BadCase{"auto_run_noise_with_every_checkpoint",
                std::string(kGood) + "[strategy]\nrun_noise = auto\ncheckpoints = all\n",
                "key 'strategy.run_noise' is not supported with strategy.checkpoints = all"},
        BadCase{"run_noise_with_every_checkpoint",
                std::string(kGood) + "[strategy]\nrun_noise = 0.003\ncheckpoints = all\n",
                "key 'strategy.run_noise' is not supported with strategy.checkpoints = all"},
        BadCase{"bad_direction", replace(kGood, "metric = loss", "metric = loss\ndirection = down"),
                "key 'objective.direction'"},
        // Issue 15, defect 4: integers wrapped (2^31 -> -2^31, 2^32 -> 0, 2^32 + 1 -> 1).
        BadCase{"max_concurrent_wraps",
                std::string(kGood) + "[executor]\nmax_concurrent = 2147483648\n",
                "key 'executor.max_concurrent' is out of range, got"},
        BadCase{"max_attempts_wraps",
                std::string(kGood) + "[executor]\nmax_attempts = 4294967297\n",
                "key 'executor.max_attempts' is out of range, got"},
        BadCase{"fit_starts_wraps", std::string(kGood) + "[strategy]\nfit_starts = 4294967296\n",
                "key 'strategy.fit_starts' is out of range, got"},
        BadCase{"raw_samples_wraps", std::string(kGood) + "[strategy]\nraw_samples = 4294967296\n",
                "key 'strategy.raw_samples' is out of range, got"},
        BadCase{"n_init_wraps", std::string(kGood) + "[strategy]\nn_init = 4294967297\n",
                "key 'strategy.n_init' is out of range, got"},
        BadCase{"design_pairs_over_half_the_design",
                std::string(kGood) + "[strategy]\nn_init = 4\ndesign_pairs = 3\n",
                "key 'strategy.design_pairs' must be between 0 and 2, got 3"},
        BadCase{"design_pairs_negative", std::string(kGood) + "[strategy]\ndesign_pairs = -1\n",
                "key 'strategy.design_pairs' must be between 0 and 100000, got -1"},
        BadCase{"design_pairs_word", std::string(kGood) + "[strategy]\ndesign_pairs = some\n",
                "key 'strategy.design_pairs'"},
        BadCase{"design_steps_not_a_budget",
                std::string(kGood) + "[strategy]\ndesign_steps = 777\n",
                "key 'strategy.design_steps' is 777, not a step budget (steps.budgets: "},
        BadCase{"design_steps_word", std::string(kGood) + "[strategy]\ndesign_steps = half\n",
                "key 'strategy.design_steps'"},
        BadCase{"nodes_wrap", std::string(kGood) + "[slurm]\nnodes = 4294967296\n",
                "key 'slurm.nodes' is out of range, got"},
        BadCase{"integer_beyond_int64",
                std::string(kGood) + "[steps]\nmax = 99999999999999999999\n",
                "key 'steps.max' must be between 1 and"},
        // Issue 15, defect 6: overflowing numbers ended in "error: stod" (exit 1).
        BadCase{"params_overflow",
                std::string(kGood) + "[scales]\nnames = a, b\nparams = 1e999M, 2M\n",
                "key 'scales.params' has out-of-range number '1e999'"},
        BadCase{"weight_overflow", replace(kGood, "metric = loss", "metric = 1e999*loss"),
                "key 'objective.metric' has out-of-range number '1e999'"},
        BadCase{"slurm_time_overflow",
                std::string(kGood) + "[slurm]\ntime = " + std::string(400, '9') + "-00:00:00\n",
                "key 'slurm.time' has malformed time limit"},
        // Issue 15, defect 9.
        BadCase{"hex_budget", replace(kGood, "budget = 5", "budget = 0x10"),
                "key 'campaign.budget' has malformed number '0x10'"},
        BadCase{"trailing_plus", replace(kGood, "metric = loss", "metric = loss +"),
                "key 'objective.metric' ends with '+'"},
        // Issue 15, defect 7: failed at run time with an HDF5 "cannot create dataset".
        BadCase{"duplicate_metric", replace(kGood, "metric = loss", "metric = loss + loss"),
                "key 'objective.metric' names metric 'loss' twice"},
        BadCase{"key_before_section", "budget = 5\n" + std::string(kGood),
                "line 1: key 'budget' comes before any [section]"},
        BadCase{"stray_bom_is_shown", replace(kGood, "[space]", "\xEF\xBB\xBF[space]"),
                "\\xEF\\xBB\\xBF[space]"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Config, UnknownFlagIsReported) {
  try {
    load_config(write_config(kGood), {"--campaign.sed=3"});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'campaign.seed'"), std::string::npos)
        << e.what();
  }
}

TEST(Config, MissingFileIsReported) {
  EXPECT_THROW(load_config("/nonexistent/x.ini"), ConfigError);
}

// Issue 15, defect 3: '#' anywhere in a value cut it short (`c#` -> `c`).
TEST(Config, HashInsideAValueIsKeptCommentsAfterABlankAreNot) {
  const auto c = load_config(write_config(
      replace(kGood, "domains = web, code, books", "domains = web, c#, books   # three of them") +
      "[job]\ncommand = python3 /opt/train.py --run-name \"ablation#3\" #note\n"));
  EXPECT_EQ(c.space.simplex().names(), (std::vector<std::string>{"web", "c#", "books"}));
  EXPECT_EQ(c.job.command, "python3 /opt/train.py --run-name \"ablation#3\"");
  // Whole-line comments, with '#' or ';', indented or not.
  EXPECT_NO_THROW(load_config(write_config("# top\n  ; semi\n" + std::string(kGood))));
}

// Issue 15, defect 8: a UTF-8 byte-order mark gave "invalid line '[campaign]'".
TEST(Config, ByteOrderMarkIsSkipped) {
  const auto c = load_config(write_config("\xEF\xBB\xBF" + std::string(kGood)));
  EXPECT_EQ(c.name, "t1");
}

// Issue 15, defect 8: a folder gave "key 'campaign.name' is required but missing".
TEST(Config, FolderIsNotACampaignFile) {
  try {
    load_config(fs::temp_directory_path());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder, not a campaign file"), std::string::npos)
        << e.what();
  }
}

// Issue 15, defect 7: a newline in a value (flags can carry one) failed only at run time.
TEST(Config, ControlCharactersInFlagsAreRefused) {
  for (const char* key : {"slurm.partition", "space.domains", "campaign.workdir"}) {
    try {
      load_config(write_config(kGood), {std::string("--") + key + "=a\nb"});
      ADD_FAILURE() << key;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("key '") + key + "'"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("a\\x0Ab"), std::string::npos) << e.what();
    }
  }
}

// `mixbo run c.ini` from the file's own folder: the file has no parent path, and taking the
// absolute path of that empty folder threw "cannot make absolute path" before the fix.
TEST(Config, AFileNamedWithoutAFolderIsReadFromTheCurrentOne) {
  const auto p = write_config(kGood);
  const auto previous = fs::current_path();
  fs::current_path(p.parent_path());
  CampaignConfig c;
  EXPECT_NO_THROW(c = load_config(p.filename()));
  fs::current_path(previous);
  EXPECT_EQ(c.config_dir, fs::absolute(p.parent_path()).lexically_normal());
}

// Issue 12: each section's options struct validates itself, naming the key, so a struct filled
// in code (the bench suite, tests) is held to what a campaign file is; load_config adds the file.
TEST(Config, EverySectionValidatesItselfNamingTheKey) {
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  const auto good = load_config_text(kGood, "/x/c.ini");
  StrategyOptions s = good.strategy;
  s.fit_starts = 0;
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.fit_starts' must be between 1 and 100000, got 0");
  s = good.strategy;
  s.checkpoints = "some";
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.checkpoints' is 'some'; allowed: thinned, all");
  s = good.strategy;
  s.recommend_within = "box";
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.recommend_within' is 'box'; allowed: hull, simplex");
  s = good.strategy;
  s.reach_z = -1;
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.reach_z' must be in [0, 100] posterior sds (0: never)");
  s = good.strategy;
  s.run_noise = std::nan("");
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.run_noise' must be auto or a finite standard deviation >= 0");
  s = good.strategy;
  s.bimix_scale = "3B";
  EXPECT_EQ(message([&] { s.validate(good.space); }),
            "key 'strategy.bimix_scale' names unknown scale '3B'");
  ExecutorOptions e = good.executor;
  e.poll_seconds = 0;
  EXPECT_EQ(message([&] { e.validate(); }),
            "key 'executor.poll_seconds' must be in (0, 86400] seconds");
  SimulatorOptions m = good.simulator;
  m.type = "mlp";
  m.file.clear();
  EXPECT_EQ(message([&] { m.validate(); }),
            "key 'simulator.file' is required when simulator.type = mlp");
  SbatchOptions b = good.slurm;
  b.extra = {"partition=x"};
  EXPECT_EQ(message([&] { b.validate(good.space); }),
            "key 'slurm.extra' directive 'partition=x' must start with -- and be one line");
  ObjectiveOptions o = good.objective;
  o.terms.push_back(o.terms.front());
  EXPECT_NE(message([&] { o.validate(); }).find("key 'objective.metric' names metric"),
            std::string::npos);
  // Through the file: the same message, with the file in front.
  EXPECT_EQ(message([&] {
              load_config_text(std::string(kGood) + "[strategy]\nfit_starts = 0\n", "/x/c.ini");
            }),
            "/x/c.ini: key 'strategy.fit_starts' must be between 1 and 100000, got 0");
}
