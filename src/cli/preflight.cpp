#include "preflight.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/io/job_script.hpp"
#include "mixbo/io/trial_params.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/sim/dense_optimum.hpp"
#include "mixbo/sim/simulator.hpp"
#include "mixbo/strategy/strategy.hpp"

namespace fs = std::filesystem;

namespace mixbo::cli {

namespace {

[[noreturn]] void refuse(const CampaignConfig& c, const std::string& key, const std::string& what) {
  throw ConfigError(config_source(c) + ": key '" + key + "' " + what);
}

void check_workdir(const CampaignConfig& c) {
  std::error_code ec;
  if (fs::exists(c.workdir, ec)) {
    if (!fs::is_directory(c.workdir, ec))
      refuse(c, "campaign.workdir", "is " + c.workdir.string() + ", which is not a folder");
    if (::access(c.workdir.c_str(), W_OK | X_OK) != 0)
      refuse(c, "campaign.workdir", "is " + c.workdir.string() + ", which is not writable");
    return;
  }
  fs::path p = c.workdir.parent_path();
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  if (!fs::is_directory(p, ec) || ::access(p.c_str(), W_OK | X_OK) != 0)
    refuse(c, "campaign.workdir",
           "is " + c.workdir.string() + ", which cannot be created (" + p.string() +
               " is not a writable folder)");
}

// Whether the campaign's results come from its simulator: the simulated executor, or a job
// template that runs mixbo-proxy. A training command's metrics only its result files tell.
bool simulator_runs(const CampaignConfig& c) {
  if (c.executor.type == "simulated") return true;
  std::ifstream in(c.job.template_path);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return text.find("{{proxy}}") != std::string::npos;
}

// The simulator is built (an mlp's weights parsed) and, where it makes the results, asked for
// the objective's metrics: a metric it lacks would otherwise fail every job of the campaign.
void check_simulator(const CampaignConfig& c) {
  const bool runs = simulator_runs(c);
  if (c.simulator.type != "mlp" && !runs) return;
  std::error_code ec;
  if (c.simulator.type == "mlp" && !fs::is_regular_file(c.simulator.file, ec))
    refuse(c, "simulator.file",
           "names " + c.simulator.file.string() +
               ", which does not exist. The mlp simulator's weights are not part of mixbo: "
               "examples/paper-sim.ini expects the paper authors' file "
               "simulator_mlp_20250119.json (from github.com/namkoong-lab/data-recipes) in "
               "shared/data/paper-sim/ next to the repository; its README.md there says how it "
               "is evaluated");
  const auto sim = make_simulator(c.simulator, c.space);  // ConfigError when weights do not fit
  // Throws ConfigError naming a metric of the objective that the simulator does not report.
  if (runs) static_cast<void>(SimulatedObjective(*sim, c.objective));
}

// Words of a shell command, quotes removed (enough to find the script it runs).
std::vector<std::string> words(const std::string& cmd) {
  std::vector<std::string> out;
  std::string w;
  char quote = 0;
  bool in_word = false;
  for (char ch : cmd) {
    if (quote) {
      if (ch == quote)
        quote = 0;
      else
        w += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == ' ' || ch == '\t') {
      if (in_word) out.push_back(w);
      w.clear();
      in_word = false;
    } else {
      w += ch;
      in_word = true;
    }
  }
  if (in_word) out.push_back(w);
  return out;
}

bool looks_like_script(const std::string& w) {
  for (const char* ext : {".py", ".sh", ".bash"}) {
    const std::string e = ext;
    if (w.size() > e.size() && w.compare(w.size() - e.size(), e.size(), e) == 0) return true;
  }
  return w.find('/') != std::string::npos;
}

// A word of job.command with $MIXBO_CONFIG_DIR (or ${MIXBO_CONFIG_DIR}) at its start replaced by
// the folder jobs get in it; nullopt when it starts with any other variable, whose value only
// the job's environment knows.
std::optional<std::string> expand_config_dir(const CampaignConfig& c, const std::string& w) {
  if (w.empty() || w[0] != '$') return w;
  for (const std::string var : {"$MIXBO_CONFIG_DIR", "${MIXBO_CONFIG_DIR}"}) {
    const bool ends_there = w.size() == var.size() || w[var.size()] == '/';
    if (w.compare(0, var.size(), var) == 0 && ends_there)
      return c.config_dir.string() + w.substr(var.size());
  }
  return std::nullopt;
}

// The program and, after an interpreter or launcher, the script it runs: an absolute path must
// exist; a relative one is resolved in the trial folder, where jobs run.
void check_command(const CampaignConfig& c, std::vector<std::string>& notes) {
  const auto w = words(c.job.command);
  for (size_t i = 0; i < w.size() && i < 4; ++i) {
    if (w[i].empty() || w[i][0] == '-' || w[i].find('=') != std::string::npos) continue;
    if (!looks_like_script(w[i])) continue;
    const auto expanded = expand_config_dir(c, w[i]);
    if (!expanded) continue;
    const fs::path p(*expanded);
    std::error_code ec;
    if (p.is_absolute()) {
      if (!fs::is_regular_file(p, ec))
        refuse(c, "job.command", "runs " + p.string() + ", which does not exist");
    } else {
      notes.push_back("note: job.command's " + w[i] +
                      " is a relative path: jobs run in their trial folder (" +
                      (c.workdir / "trials" / "tNNNN").string() + "), so give an absolute path");
    }
  }
}

void check_job_script(const CampaignConfig& c) {
  std::error_code ec;
  if (!fs::is_regular_file(c.job.template_path, ec))
    refuse(c, "job.template", "names " + c.job.template_path.string() + ", which does not exist");
  // Render the first trial's script as `mixbo run` would (placeholders, job.command, #SBATCH).
  const auto& sp = c.space;
  TrialParams p;
  p.trial_id = "t0001";
  p.campaign = c.name;
  p.instance = "00000000";
  p.domains = sp.simplex().names();
  const Eigen::VectorXd w = sp.simplex().center();
  p.mixture.assign(w.data(), w.data() + w.size());
  p.scale = sp.scales().target_scale().name;
  p.scale_params = sp.scales().target_scale().params;
  p.steps = sp.steps().max_steps();
  p.checkpoint_interval = sp.steps().interval();
  p.trial_dir = c.workdir / "trials" / p.trial_id;
  p.result = p.trial_dir / "result.h5";
  p.simulator = c.simulator.type;
  p.simulator_file = c.simulator.file;
  render_job_script(c.job_setup(), p, p.trial_dir / "params.ini", "mixbo-" + c.name + "-t0001");
}

}  // namespace

std::vector<std::string> preflight(const CampaignConfig& c) {
  std::vector<std::string> notes;
  check_workdir(c);
  try {
    SerialTeam team;
    try {
      // Parses the kernel expression and every strategy setting.
      make_strategy(c.strategy_setup(), team);
    } catch (const ConfigError& e) {
      if (std::string(e.what()).rfind("kernel expression", 0) != 0) throw;
      refuse(c, "strategy.kernel", std::string("is not a valid ") + e.what());
    }
    check_simulator(c);
    if (c.executor.type != "simulated") {
      check_job_script(c);
      check_command(c, notes);
    }
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    if (msg.rfind(config_source(c), 0) == 0) throw;
    throw ConfigError(config_source(c) + ": " + msg);
  }
  return notes;
}

}  // namespace mixbo::cli
