// `mixbo bench --quick` (the CI mode) completes, prints the table, writes valid bench.h5 /
// summary.csv / runs.csv covering every default strategy (run or skipped), and the plot scripts
// turn its output (and a kept campaign archive) into PNG files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mixbo/io/hdf5.hpp"
#include "mixbo/suite/bench.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// runs.csv's rows without their last column, the wall time (which differs between runs).
std::vector<std::string> runs_without_wall_time(const fs::path& p) {
  std::vector<std::string> out;
  for (const auto& l : read_lines(p)) out.push_back(l.substr(0, l.rfind(',')));
  return out;
}

bool is_png(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in && std::string(magic + 1, 3) == "PNG";
}

bool have_plot_python() {
  return test::run_command("/usr/bin/python3 -c 'import h5py, matplotlib, numpy'").exit_code == 0;
}

TEST(BenchCli, QuickCompletesAndWritesValidFiles) {
  TempDir tmp;
  const auto out = tmp.path / "out";
  // The GP strategies' searches trimmed (as in the other campaign tests): this test checks
  // the files and tables --quick writes, not the decisions, and under ASan the default searches
  // made it the slowest test of CI (226 s of its 430).
  const auto r = test::run_command(test::mixbo_binary() + " bench --quick --keep-archives --out " +
                                   out.string() +
                                   " --strategy.raw_samples=128 --strategy.refine_starts=2"
                                   " --strategy.fit_starts=4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cost to reach within 0.50% of the best target loss"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("censored at the budget"), std::string::npos);

  h5::Handle f = h5::open_file(out / "bench.h5");
  const auto ran = h5::read_strings(f.id(), "strategies");
  const auto skipped = h5::read_strings(f.id(), "skipped");
  EXPECT_EQ(ran.size() + skipped.size(), default_bench_strategies().size());
  ASSERT_FALSE(ran.empty());
  // --quick is CI-sized by its work, not by a wall-clock limit (which an ASan build on a busy
  // machine exceeded): one seed and a budget of one full target run.
  EXPECT_EQ(h5::read_attr_int(f.id(), "seeds"), 1);
  EXPECT_EQ(h5::read_attr_double(f.id(), "budget"), 1.0);
  h5::Handle curves = h5::open_group(f.id(), "curves");
  for (const auto& s : ran) {
    h5::Handle g = h5::open_group(curves.id(), s);
    const auto seeds = h5::list_children(g.id());
    ASSERT_EQ(seeds.size(), 1u) << s;
    for (const auto& name : seeds) {
      h5::Handle run = h5::open_group(g.id(), name);
      const auto cost = h5::read_doubles(run.id(), "cost");
      const auto regret = h5::read_doubles(run.id(), "regret");
      ASSERT_FALSE(cost.empty()) << s << " " << name;
      EXPECT_EQ(cost.size(), regret.size());
      EXPECT_GT(h5::read_attr_double(run.id(), "spent"), 0.0);
    }
    EXPECT_NE(r.output.find("\n" + s + " "), std::string::npos) << "no table row for " << s;
  }
  for (const auto& s : skipped) EXPECT_NE(r.output.find(s), std::string::npos);

  const auto summary = read_lines(out / "summary.csv");
  EXPECT_EQ(summary.size(), 1 + default_bench_strategies().size());
  const auto runs = read_lines(out / "runs.csv");
  EXPECT_EQ(runs.size(), 1 + ran.size());

  if (!have_plot_python())
    GTEST_SKIP() << "/usr/bin/python3 lacks h5py/matplotlib: plots not checked";
  const std::string scripts = std::string(MIXBO_SOURCE_DIR) + "/scripts/";
  const auto p = test::run_command(scripts + "plot_bench.py " + (out / "bench.h5").string() +
                                   " -o " + (tmp.path / "bench.png").string());
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_TRUE(is_png(tmp.path / "bench.png"));
  // The archive is named by the campaign's seed, as runs.csv and bench.h5 name it: the demo's
  // campaign.seed is 7, so its first campaign is seed 8 (the folder was once the index, seed1).
  EXPECT_EQ(runs.at(1).substr(0, runs.at(1).find(',', runs.at(1).find(',') + 1)),
            ran.front() + ",8");
  const auto archive = out / "campaigns" / ran.front() / "seed8" / "campaign.h5";
  ASSERT_TRUE(fs::exists(archive));
  EXPECT_FALSE(fs::exists(out / "campaigns" / ran.front() / "seed1"));
  const auto c = test::run_command(scripts + "plot_campaign.py " + archive.string() + " -o " +
                                   (tmp.path / "campaign.png").string());
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(is_png(tmp.path / "campaign.png"));
}

// --family runs the same strategies and seeds on every member: each member's archives go to its
// own folder (one shared OUT/campaigns/ kept only the last member's, the others overwritten).
TEST(BenchCli, FamilyKeepsEveryMembersArchives) {
  TempDir tmp;
  const auto out = tmp.path / "out";
  const auto r = test::run_command(
      test::mixbo_binary() +
      " bench --family 2 --seeds 1 --budget 0.05 --strategies regmix --sweep 256 --keep-archives"
      " -q --out " +
      out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* member : {"member_0", "member_1"}) {
    // Members keep the demo campaign's seed (7): the first campaign is seed 8.
    const auto archive = out / member / "campaigns" / "regmix" / "seed8" / "campaign.h5";
    ASSERT_TRUE(fs::exists(archive)) << archive;
    h5::Handle f = h5::open_file(archive);
    const auto domains = h5::read_strings(f.id(), "space/domains");
    // Member m has 3 + 3m domains: the archive is that member's campaign.
    EXPECT_EQ(domains.size(), std::string(member) == "member_0" ? 3u : 6u) << archive;
    EXPECT_FALSE(h5::read_doubles(f.id(), "observations/value").empty()) << archive;
  }
  EXPECT_FALSE(fs::exists(out / "campaigns"));
}

// Under mpiexec the ranks split the campaigns; rank 0 must report exactly what one process does.
TEST(BenchCli, MpiRanksSplitSeedsWithTheSameResults) {
  TempDir tmp;
  const std::string args = " bench --quick --strategies random --seeds 5 --budget 4 -q --out ";
  const auto one = test::run_command(test::mixbo_binary() + args + (tmp.path / "one").string());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = test::run_command(test::mpiexec(2) + test::mixbo_binary() + args +
                                     (tmp.path / "two").string());
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto a = runs_without_wall_time(tmp.path / "one" / "runs.csv"),
             b = runs_without_wall_time(tmp.path / "two" / "runs.csv");
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a, b);
}

// A family under mpiexec: every member's share runs before any is collected, and each member
// deals its campaigns from its own offset, so rank 0 runs both strategies (with one seed and a
// deal that restarted each member, it ran the second strategy of every member and rank 1 the
// first, the costly one in the suite); the files are those of one process.
TEST(BenchCli, MpiRanksSplitAFamilysMembersWithTheSameResults) {
  TempDir tmp;
  const std::string args =
      " bench --family 2 --seeds 1 --budget 1 --strategies random,regmix --sweep 256 --out ";
  const auto one = test::run_command(test::mixbo_binary() + args + (tmp.path / "one").string());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  for (const int ranks : {2, 4}) {
    const std::string dir = "ranks" + std::to_string(ranks);
    const auto r = test::run_command(test::mpiexec(ranks) + test::mixbo_binary() + args +
                                     (tmp.path / dir).string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Rank 0's progress lines ("[1/1] random seed 8: ..."): on 2 ranks, one campaign of each
    // strategy (on 4 ranks it has none of these 4 campaigns).
    if (ranks == 2) {
      EXPECT_NE(r.output.find("] random seed "), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("] regmix seed "), std::string::npos) << r.output;
    }
    EXPECT_EQ(read_lines(tmp.path / "one" / "family.csv"),
              read_lines(tmp.path / dir / "family.csv"))
        << ranks << " ranks";
    for (const char* member : {"member_0", "member_1"}) {
      const auto a = runs_without_wall_time(tmp.path / "one" / member / "runs.csv");
      EXPECT_EQ(a.size(), 3u) << member;
      EXPECT_EQ(a, runs_without_wall_time(tmp.path / dir / member / "runs.csv"))
          << member << ", " << ranks << " ranks";
    }
  }
}

// A campaign with no answer (random search at a budget below one target run makes no run) says
// so in its progress line; it printed "final regret nan%".
TEST(BenchCli, ACampaignWithoutAnAnswerSaysSo) {
  TempDir tmp;
  const auto r = test::run_command(test::mixbo_binary() +
                                   " bench --seeds 1 --budget 0.05 --strategies random --sweep 256"
                                   " --out " +
                                   tmp.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("] random seed 8: not reached, does not stay, no answer, 0 runs"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("nan"), std::string::npos) << r.output;
}

TEST(BenchCli, RejectsUnknownStrategyAndBadOptions) {
  TempDir tmp;
  auto r = test::run_command(test::mixbo_binary() +
                             " bench --quick --strategies random,nope --out " + tmp.path.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nope"), std::string::npos) << r.output;
  r = test::run_command(test::mixbo_binary() + " bench --quick --seeds 0 --out " +
                        tmp.path.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // Refused before the bench starts (it announced "6 strategies x 0 seeds" and a search first),
  // naming the flag the user gave (a NaN budget was "campaign.budget must be positive").
  EXPECT_NE(r.output.find("--seeds must be at least 1, got 0"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("finding the best"), std::string::npos) << r.output;
  r = test::run_command(test::mixbo_binary() + " bench --quick --budget nan --out " +
                        tmp.path.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--budget must be a positive number, got nan"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("finding the best"), std::string::npos) << r.output;
  r = test::run_command(test::mixbo_binary() + " bench --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("--epsilon"), std::string::npos);
  // CONFIG is optional and campaign keys apply, so the help lists them (it listed none).
  EXPECT_NE(r.output.find("usage: mixbo bench [options] [CONFIG] [--section.key=value ...]"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[strategy]"), std::string::npos) << r.output;
}

// Without CONFIG the bench runs the demo's campaign, and the user's --section.key overrides win
// over the demo's own keys (it gave "option '--campaign.seed' cannot be specified more than once").
TEST(BenchCli, OverridesReplaceTheDemosOwnKeys) {
  TempDir tmp;
  const auto r = test::run_command(test::mixbo_binary() +
                                   " bench --quick --strategies random --campaign.seed=30 "
                                   "--strategy.n_init=6 --quiet --out " +
                                   tmp.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = read_lines(tmp.path / "runs.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].rfind("random,31,", 0), 0u) << rows[1];  // seeds campaign.seed + 1, ...
}

}  // namespace

// --suite runs CONFIG's objective, the demo law and the law family on two ladders, reports each as
// it would alone, and checks issue 13's goals on each (here for regmix against random: cheap enough
// for the sanitizer run).
TEST(BenchCli, SuiteReportsEachObjectiveAndTheGoals) {
  TempDir tmp;
  const auto out = tmp.path / "out";
  const auto r = test::run_command(test::mixbo_binary() + " bench --suite " + MIXBO_SOURCE_DIR +
                                   "/examples/demo.ini --quick --seeds 2 --family 2 "
                                   "--strategies random,regmix --reference regmix --out " +
                                   out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("decision-quality goals for regmix"), std::string::npos) << r.output;
  for (const char* dir : {"demo", "demo-law"}) {
    EXPECT_TRUE(fs::exists(out / dir / "bench.h5")) << dir;
    EXPECT_TRUE(fs::exists(out / dir / "summary.csv")) << dir;
  }
  EXPECT_TRUE(fs::exists(out / "law-family" / "family.csv"));
  EXPECT_TRUE(fs::exists(out / "long-ladder-family" / "family.csv"));
  // --seeds is for CONFIG's objective and the demo law; each family member runs one seed.
  for (const auto& [dir, seeds] :
       std::vector<std::pair<fs::path, int>>{{out / "demo", 2},
                                             {out / "demo-law", 2},
                                             {out / "law-family" / "member_1", 1},
                                             {out / "long-ladder-family" / "member_1", 1}}) {
    ASSERT_TRUE(fs::exists(dir / "bench.h5")) << dir;
    h5::Handle f = h5::open_file(dir / "bench.h5");
    EXPECT_EQ(h5::read_attr_int(f.id(), "seeds"), seeds) << dir;
  }
  const auto goals = read_lines(out / "goals.csv");
  int budget_rows = 0;
  for (const auto& line : goals)
    if (line.find("\"5 no campaign spends over the budget\",1,") != std::string::npos)
      ++budget_rows;
  EXPECT_EQ(budget_rows, 4) << "one budget verdict per objective, every one kept";
  EXPECT_NE(r.output.find("law family (2)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("long ladder (2)"), std::string::npos) << r.output;
}

// scripts/compare_bench.py pairs two benches' campaigns by seed: against itself every campaign
// has the same runs, none is better or worse and none gains or loses its hold; against the same
// campaigns answered from the MAP fit alone (answer_modes = map changes the answers, never the
// runs) the runs are the same.
TEST(BenchCli, CompareBenchPairsCampaignsBySeed) {
  if (!have_plot_python()) GTEST_SKIP() << "/usr/bin/python3 lacks h5py/numpy";
  TempDir tmp;
  auto bench = [](const std::string& seeds_and_budget) {
    return test::mixbo_binary() + " bench --strategies mfms-bo -q " + seeds_and_budget +
           " --strategy.raw_samples=128 --strategy.refine_starts=2"
           " --strategy.fit_starts=4 --out ";
  };
  const std::string two = bench("--seeds 2 --budget 0.3");
  const auto a = tmp.path / "transfer", b = tmp.path / "map";
  ASSERT_EQ(test::run_command(two + a.string()).exit_code, 0);
  ASSERT_EQ(test::run_command(two + b.string() + " --strategy.answer_modes=map").exit_code, 0);
  const std::string compare = std::string(MIXBO_SOURCE_DIR) + "/scripts/compare_bench.py ";

  const auto self = test::run_command(compare + a.string() + " " + a.string());
  ASSERT_EQ(self.exit_code, 0) << self.output;
  EXPECT_NE(self.output.find("paired by seed (2; 2 with the same runs)"), std::string::npos)
      << self.output;
  for (const char* cost : {"@0.1", "@0.3"})
    EXPECT_NE(self.output.find(std::string(cost) + ": after better in 0, worse in 0"),
              std::string::npos)
        << self.output;
  // No campaign changed: every sign test is an even split's (p = 1), and no hold moved.
  EXPECT_EQ(self.output.find("sign test p = 0"), std::string::npos) << self.output;
  EXPECT_NE(self.output.find("holds: gained in 0, lost in 0"), std::string::npos) << self.output;
  EXPECT_NE(self.output.find("after better in 0, worse in 0 of"), std::string::npos) << self.output;

  const auto modes = test::run_command(compare + a.string() + " " + b.string());
  ASSERT_EQ(modes.exit_code, 0) << modes.output;
  EXPECT_NE(modes.output.find("paired by seed (2; 2 with the same runs)"), std::string::npos)
      << modes.output;

  const auto bad =
      test::run_command(compare + a.string() + " " + b.string() + " --strategy regmix");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("compare_bench: error:"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("regmix"), std::string::npos) << bad.output;

  // Benches of other seeds pool into one side (seed 10 beside seeds 8 and 9: the demo campaign's
  // seed is 7); a seed twice on one side, or a bench of another budget, is refused by name.
  const auto c = tmp.path / "seed10", d = tmp.path / "budget";
  ASSERT_EQ(test::run_command(bench("--seeds 1 --budget 0.3") + c.string() + " --campaign.seed=9")
                .exit_code,
            0);
  ASSERT_EQ(test::run_command(bench("--seeds 1 --budget 0.2") + d.string()).exit_code, 0);
  const std::string pooled = a.string() + "," + c.string();
  const auto more = test::run_command(compare + pooled + " " + pooled);
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("paired by seed (3; 3 with the same runs)"), std::string::npos)
      << more.output;
  const auto twice = test::run_command(compare + a.string() + "," + a.string() + " " + pooled);
  EXPECT_EQ(twice.exit_code, 1) << twice.output;
  EXPECT_NE(twice.output.find("seed 8 is in two of the folders"), std::string::npos)
      << twice.output;
  const auto other = test::run_command(compare + a.string() + "," + d.string() + " " + pooled);
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_NE(other.output.find(d.string() + ": another objective, budget or best value"),
            std::string::npos)
      << other.output;
}

// The sign test's p-values against the binomial sums worked by hand: 0 of 5 changed campaigns
// better is 2 / 2^5; 2 of 14 is 2 (1 + 14 + 91) / 2^14; an even split, or no change, is 1.
TEST(BenchCli, CompareBenchSignTestMatchesClosedForm) {
  if (!have_plot_python()) GTEST_SKIP() << "/usr/bin/python3 lacks h5py/numpy";
  const std::string scripts = std::string(MIXBO_SOURCE_DIR) + "/scripts";
  const std::string check = "import sys; sys.path.insert(0, '" + scripts +
                            "'); from compare_bench import sign_test_p as p; "
                            "assert abs(p(0, 5) - 2 / 32) < 1e-15 and p(5, 0) == p(0, 5), p(0, 5); "
                            "assert abs(p(2, 12) - 2 * 106 / 16384) < 1e-15, p(2, 12); "
                            "assert p(5, 5) == 1 and p(0, 0) == 1 and p(7, 8) == 1; print('ok')";
  const auto r = test::run_command("/usr/bin/python3 -c \"" + check + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos) << r.output;
}
