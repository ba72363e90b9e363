// Reusing a workdir or resuming a campaign never gives recorded runs another meaning (issue 15,
// defects 1 and 2): each archive has its own instance id, carried in job names and params.ini,
// so a job of another instance is never adopted; a folder with leftovers of another instance is
// reported; and a resume with a changed setting that labels past runs is refused, naming it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/loop/campaign.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) { return test::scratch_dir("resume", name); }

CampaignConfig config(const fs::path& workdir, const std::vector<std::string>& extra = {}) {
  std::map<std::string, std::string> keys = {
      {"campaign.name", "rc"},       {"campaign.workdir", workdir.string()},
      {"campaign.budget", "3"},      {"space.domains", "web, code, books"},
      {"scales.names", "10M, 100M"}, {"steps.interval", "100"},
      {"steps.max", "1000"},         {"objective.metric", "code_CE"},
      {"executor.type", "simulated"}};
  for (const auto& e : extra) {  // "--key=value" replaces the key's default here
    const auto eq = e.find('=');
    keys[e.substr(2, eq - 2)] = e.substr(eq + 1);
  }
  std::vector<std::string> flags;
  for (const auto& [k, v] : keys) flags.push_back("--" + k + "=" + v);
  return load_config("", flags);
}

// A saved campaign with one trial at each scale.
void make_campaign(const fs::path& workdir) {
  Campaign c(config(workdir));
  Point p;
  p.w = Eigen::Vector3d(0.2, 0.3, 0.5);
  p.steps = 500;
  p.scale = 0;
  c.add_trial(p, 0);
  p.scale = 1;
  c.add_trial(p, 0);
  c.save();
}

std::string resume_error(const fs::path& workdir, const std::vector<std::string>& extra) {
  try {
    Campaign c(config(workdir, extra));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(CampaignInstance, EachArchiveHasItsOwnIdInJobNamesAndParams) {
  const auto d = fresh("instance");
  Campaign a(config(d / "a")), b(config(d / "b"));
  ASSERT_EQ(a.archive().instance.size(), 8u);
  EXPECT_NE(a.archive().instance, b.archive().instance);
  Point p;
  p.w = Eigen::Vector3d(0.2, 0.3, 0.5);
  p.scale = 0;
  p.steps = 500;
  a.add_trial(p, 0);
  b.add_trial(p, 0);
  // Same campaign name and trial, another instance: another Slurm/local job name.
  EXPECT_NE(a.job_name(0), b.job_name(0));
  EXPECT_NE(a.job_name(0).find(a.archive().instance), std::string::npos);
  a.write_trial(0);
  EXPECT_EQ(read_params(a.trial_dir(0) / "params.ini").instance, a.archive().instance);
  // The id survives a save and a resume.
  a.save();
  Campaign again(config(d / "a"));
  EXPECT_EQ(again.archive().instance, a.archive().instance);
  EXPECT_EQ(again.job_name(0), a.job_name(0));
}

TEST(CampaignInstance, OnlyThisInstancesCurrentAttemptMayBeAdopted) {
  const auto d = fresh("adopt");
  Point p;
  p.w = Eigen::Vector3d(0.2, 0.3, 0.5);
  p.scale = 0;
  p.steps = 500;
  {
    Campaign old(config(d));
    old.add_trial(p, 0);
    old.write_trial(0);
    EXPECT_TRUE(old.prepared_attempt(0));
  }  // never saved: as if its campaign.h5 had been deleted
  Campaign c(config(d));
  c.add_trial(p, 0);
  EXPECT_FALSE(c.prepared_attempt(0)) << "params.ini of another instance";
  c.write_trial(0);
  EXPECT_TRUE(c.prepared_attempt(0));
  c.archive().trials[0].attempt = 2;  // a retry: the folder still holds attempt 1
  EXPECT_FALSE(c.prepared_attempt(0));
}

TEST(CampaignInstance, LeftoversWithoutAnArchiveAreReportedAndCleaned) {
  const auto d = fresh("stale");
  EXPECT_TRUE(stale_leftovers(d).empty());
  // A dry run's trial folders (params.ini, job.sbatch only) ran nothing: not leftovers.
  fs::create_directories(d / "trials" / "t0001");
  std::ofstream(d / "trials" / "t0001" / "params.ini") << "x";
  EXPECT_TRUE(stale_leftovers(d).empty());
  std::ofstream(d / "trials" / "t0001" / "stdout") << "ran";
  fs::create_directories(d / "local" / "mixbo-rc-t0001.1");
  const auto stale = stale_leftovers(d);
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(stale[0], d / "trials");
  EXPECT_EQ(stale[1], d / "local");
  clean_stale_leftovers(d);
  EXPECT_TRUE(stale_leftovers(d).empty());
  EXPECT_FALSE(fs::exists(d / "trials"));
  // With an archive the folders are the campaign's own.
  make_campaign(d);
  fs::create_directories(d / "local" / "x");
  EXPECT_TRUE(stale_leftovers(d).empty());
}

TEST(CampaignResume, SettingsThatLabelRecordedRunsMustMatch) {
  const auto d = fresh("resume");
  make_campaign(d);
  struct Case {
    std::vector<std::string> flags;
    std::string key;
  };
  for (const auto& c : std::vector<Case>{
           {{"--scales.names=10M, 50M, 100M"}, "scales.names"},
           {{"--scales.names=1M, 1B", "--scales.params=10M, 100M"}, "scales.names"},
           {{"--scales.params=10M, 200M"}, "scales.params"},
           {{"--scales.step_costs=0.1, 2"}, "scales.step_costs"},
           {{"--scales.target=10M"}, "scales.target"},
           {{"--steps.interval=50"}, "steps.interval"},
           {{"--steps.max=2000"}, "steps.max"},
           {{"--space.domains=web, books, code"}, "space.domains"},
           {{"--space.lower=0.1, 0, 0"}, "space.lower"},
           {{"--space.upper=0.9, 1, 1"}, "space.upper"},
           {{"--objective.metric=2*code_CE"}, "objective.metric"},
           {{"--objective.direction=maximize"}, "objective.direction"},
       }) {
    const auto msg = resume_error(d, c.flags);
    EXPECT_NE(msg.find("key '" + c.key + "'"), std::string::npos) << c.key << ": " << msg;
    EXPECT_NE(msg.find("relabel"), std::string::npos) << msg;
  }
  // A renamed campaign would not find a job submitted just before a crash (its name holds the
  // campaign's) and would submit the trial again into the same folder: refused since session 57.
  const auto renamed = resume_error(d, {"--campaign.name=renamed"});
  EXPECT_NE(renamed.find("key 'campaign.name' is 'renamed'"), std::string::npos) << renamed;
  EXPECT_NE(renamed.find("recorded 'rc'"), std::string::npos) << renamed;
  // Budget, seed, step budgets, executor and strategy may change; the same objective written
  // another way is the same.
  EXPECT_EQ(resume_error(d, {"--campaign.budget=10", "--campaign.seed=3", "--steps.budgets=200",
                             "--strategy.type=random", "--executor.type=local",
                             "--executor.max_concurrent=8", "--objective.metric=1.0*code_CE"}),
            "accepted");
}
