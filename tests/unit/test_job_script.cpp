#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "file_size_limit.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/job_script.hpp"
#include "mixbo/io/trial_params.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNasty = {"plain",
                                         "with space",
                                         "it's",
                                         "say \"hi\"",
                                         "$(touch /tmp/mixbo-pwned)",
                                         "`id`",
                                         "a;b|c&d",
                                         "back\\slash",
                                         "new\nline",
                                         "tab\there",
                                         "#hash",
                                         "*glob?",
                                         "",
                                         "ünïcödé",
                                         "{{x}}"};

// Runs `script` with bash and returns its stdout.
std::string run_bash(const std::string& script) {
  const auto f = test::scratch_dir("js") / "s.sh";
  std::ofstream(f) << script;
  std::string out;
  FILE* p = ::popen(("bash " + f.string()).c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  EXPECT_EQ(::pclose(p), 0);
  return out;
}

// sbatch's reading of one "#SBATCH" argument (src/sbatch/opt.c _get_argument): backslash
// escapes the next character, quotes group, an unescaped '#' ends the line, space separates.
std::vector<std::string> slurm_arguments(const std::string& line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string a;
    char q = 0;
    bool esc = false;
    for (; i < line.size() && (q || !std::isspace(static_cast<unsigned char>(line[i]))); ++i) {
      const char c = line[i];
      if (esc) {
        a += c;
        esc = false;
      } else if (c == '\\') {
        esc = true;
      } else if (q) {
        if (c == q)
          q = 0;
        else
          a += c;
      } else if (c == '"' || c == '\'') {
        q = c;
      } else if (c == '#') {
        i = line.size();
        if (a.empty()) return args;
        break;
      } else {
        a += c;
      }
    }
    args.push_back(a);
  }
  return args;
}

CampaignConfig config_with(const fs::path& tpl, const std::string& command = "") {
  const auto ini = test::scratch_dir("js") / "c.ini";
  std::ofstream(ini) << "[campaign]\nname = q\nbudget = 1\n[space]\ndomains = a b, c'd, e\"f\n"
                        "[objective]\nmetric = loss\n[slurm]\npartition = gpu part\n"
                        "account = acc'1\ntime = 00:10:00, 1B=02:00:00\n"
                        "extra = --mem=4G; --constraint=a100\n";
  auto c = load_config(ini, {"--job.template=" + tpl.string(), "--job.command=" + command});
  return c;
}

}  // namespace

TEST(ShellQuote, BashReadsBackEveryValueExactly) {
  for (const auto& v : kNasty) {
    const std::string q = shell_quote(v);
    EXPECT_EQ(q.find('\n'), std::string::npos) << "quoted value spans lines: " << v;
    EXPECT_EQ(run_bash("printf '%s' " + q + "\n"), v);
    // A quoted value inside a comment must not leak onto a code line.
    EXPECT_EQ(run_bash("# " + q + "\nprintf ok\n"), "ok");
  }
  EXPECT_FALSE(fs::exists("/tmp/mixbo-pwned"));
}

TEST(SbatchQuote, SlurmParserReadsBackTheValue) {
  for (const auto& v : kNasty) {
    if (v.find('\n') != std::string::npos) {
      EXPECT_THROW(sbatch_quote(v), Error);
      continue;
    }
    const auto args = slurm_arguments("--output=" + sbatch_quote(v) + " # trailing comment");
    ASSERT_EQ(args.size(), 1u) << v;
    EXPECT_EQ(args[0], "--output=" + v);
  }
}

TEST(RenderTemplate, WordsAreQuotedBlocksVerbatimUnknownRejected) {
  const std::string t = "A={{x}}\n{{block}}\nB={{ x }}\n";
  EXPECT_EQ(render_template(t, {{"x", "it's"}}, {{"block", "echo hi"}}, "t"),
            "A='it'\\''s'\necho hi\nB='it'\\''s'\n");
  EXPECT_THROW(render_template("{{nope}}", {{"x", "1"}}, {}, "t"), ConfigError);
  EXPECT_THROW(render_template("{{bad-name}}", {{"x", "1"}}, {}, "t"), ConfigError);
  try {
    render_template("{{nope}}", {}, {}, "my.tpl");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("my.tpl"), std::string::npos);
  }
  // A value that looks like a placeholder is data.
  EXPECT_EQ(render_template("{{x}}", {{"x", "{{y}}"}}, {}, "t"), "'{{y}}'");
}

TEST(ParseSlurmTime, AllFormats) {
  EXPECT_DOUBLE_EQ(parse_slurm_time("10"), 600);
  EXPECT_DOUBLE_EQ(parse_slurm_time("10:30"), 630);
  EXPECT_DOUBLE_EQ(parse_slurm_time("01:02:03"), 3723);
  EXPECT_DOUBLE_EQ(parse_slurm_time("2-3"), 2 * 86400 + 3 * 3600);
  EXPECT_DOUBLE_EQ(parse_slurm_time("1-00:01"), 86460);
  EXPECT_DOUBLE_EQ(parse_slurm_time("1-00:00:05"), 86405);
  EXPECT_DOUBLE_EQ(parse_slurm_time("UNLIMITED"), 0);
  EXPECT_THROW(parse_slurm_time("1h"), Error);
}

// A campaign file can name a script beside it: the job gets the file's folder, absolute, even
// when the file was given by a relative path and the job runs in its trial folder.
TEST(RenderJobScript, JobKnowsTheCampaignFolder) {
  const auto dir = test::scratch_dir("js-cd");
  fs::create_directories(dir / "sub dir" / "trial");
  std::ofstream(dir / "sub dir" / "c.ini") << "[campaign]\nname = q\nbudget = 1\n[space]\n"
                                              "domains = a, b\n[objective]\nmetric = loss\n";
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  const auto c =
      load_config(fs::path("sub dir") / "c.ini",
                  {"--job.template=" + std::string(MIXBO_SOURCE_DIR) + "/jobs/train.sbatch.in",
                   "--job.command=printf %s \"$MIXBO_CONFIG_DIR\""});
  fs::current_path(cwd);
  EXPECT_EQ(c.config_dir, dir / "sub dir");
  TrialParams p;
  p.trial_id = "t0001";
  p.campaign = "q";
  p.domains = {"a", "b"};
  p.mixture = {0.5, 0.5};
  p.scale = "1B";
  p.trial_dir = dir / "sub dir" / "trial";
  p.result = p.trial_dir / "result.h5";
  p.metrics = {"loss"};
  EXPECT_EQ(
      run_bash(render_job_script(c.job_setup(), p, p.trial_dir / "params.ini", "mixbo-q-t0001")),
      (dir / "sub dir").string());
}

TEST(RenderJobScript, NastyNamesAndPathsStayData) {
  const fs::path tpl = fs::path(MIXBO_SOURCE_DIR) / "jobs" / "train.sbatch.in";
  const auto c = config_with(
      tpl, "printf '%s|%s|%s' \"$MIXBO_DOMAINS\" \"$MIXBO_TRIAL_DIR\" \"$MIXBO_SCALE\"");
  const auto dir = test::scratch_dir("js") / "trial dir 'q' $(touch pwned)";
  fs::create_directories(dir);
  TrialParams p;
  p.trial_id = "t0001";
  p.campaign = "q";
  p.domains = c.space.simplex().names();
  p.mixture = {0.2, 0.3, 0.5};
  p.scale = "1B";
  p.scale_params = 1e9;
  p.steps = 1000;
  p.checkpoint_interval = 100;
  p.trial_dir = dir;
  p.result = dir / "result.h5";
  p.metrics = {"loss"};
  const auto params = dir / "params.ini";
  write_params(params, p);
  const std::string script = render_job_script(c.job_setup(), p, params, "mixbo-q-t0001");
  const auto file = dir / "job.sbatch";
  write_text_atomic(file, script);
  // Run it as the local executor does; the command sees the values unchanged.
  EXPECT_EQ(run_bash(script), "a b,c'd,e\"f|" + dir.string() + "|1B");
  EXPECT_FALSE(fs::exists(dir / "pwned"));
  // sbatch reads each header line back to the configured value.
  std::istringstream lines(script);
  std::string line;
  std::map<std::string, std::string> sbatch;
  while (std::getline(lines, line)) {
    if (line.rfind("#SBATCH ", 0) != 0) continue;
    for (const auto& a : slurm_arguments(line.substr(8))) {
      const auto eq = a.find('=');
      sbatch[a.substr(0, eq)] = eq == std::string::npos ? "" : a.substr(eq + 1);
    }
  }
  EXPECT_EQ(sbatch["--job-name"], "mixbo-q-t0001");
  EXPECT_EQ(sbatch["--partition"], "gpu part");
  EXPECT_EQ(sbatch["--account"], "acc'1");
  EXPECT_EQ(sbatch["--time"], "02:00:00");
  EXPECT_EQ(sbatch["--mem"], "4G");
  EXPECT_EQ(script_time_limit(file), 7200);
}

// durable_file.hpp, the one way files are written: a replacement that cannot be written whole
// (disk full; here past RLIMIT_FSIZE) throws naming the file and errno, and the file and its
// folder are as they were.
TEST(DurableFile, FailedReplacementKeepsTheOldFile) {
  const auto dir = test::scratch_dir("durable", "replace");
  const auto file = dir / "job.sbatch";
  write_text_atomic(file, "#!/bin/bash\necho old\n");
  const auto r = test::write_with_file_size_limit(
      4096, [&] { write_text_atomic(file, std::string(8192, 'x')); });
  EXPECT_TRUE(r.exited);
  ASSERT_TRUE(r.threw) << "wrote past the limit";
  EXPECT_NE(r.error.find(dir.string()), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("File too large"), std::string::npos) << r.error;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "#!/bin/bash\necho old\n");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
  fs::remove_all(dir);
}
