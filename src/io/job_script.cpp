#include "mixbo/io/job_script.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/core/sibling_program.hpp"

namespace mixbo {

namespace {
bool plain_char(char ch) {
  const unsigned char c = static_cast<unsigned char>(ch);
  return std::isalnum(c) || ch == '_' || ch == '.' || ch == '/' || ch == ':' || ch == '=' ||
         ch == ',' || ch == '+' || ch == '@' || ch == '-';
}
// Template text between placeholders must not hold a "{{" (a misspelt placeholder).
void check_literal(const std::string& s, const std::string& where) {
  const auto at = s.find("{{");
  if (at != std::string::npos)
    throw ConfigError(where + ": malformed placeholder near '" + s.substr(at, 24) + "'");
}
}  // namespace

std::string shell_quote(const std::string& s) {
  bool control = false;
  for (char ch : s) control = control || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
  if (!control) {
    std::string out = "'";
    for (char ch : s) {
      if (ch == '\'')
        out += "'\\''";
      else
        out += ch;
    }
    return out + "'";
  }
  // ANSI-C quoting keeps a newline from ending the line the word sits on (e.g. a comment).
  std::string out = "$'";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == '\'') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "'";
}

std::string sbatch_quote(const std::string& s) {
  // sbatch ends an argument at unquoted white space even after a backslash, so anything that is
  // not plain goes in double quotes, where only '\\' and '"' need a backslash.
  bool plain = !s.empty();
  for (char ch : s) {
    if (ch == '\n' || ch == '\r')
      throw Error("#SBATCH value '" + s + "' contains a newline, which sbatch cannot read");
    plain = plain && plain_char(ch);
  }
  if (plain) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '\\' || ch == '"') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string sbatch_header(const SbatchOptions& slurm, const std::string& job_name,
                          const std::string& scale, const std::filesystem::path& trial_dir) {
  // In --output/--error a '%' starts a Slurm filename pattern; '%%' is a literal one.
  auto path_value = [](const std::filesystem::path& p) {
    std::string s;
    for (char ch : p.string()) s += ch == '%' ? std::string("%%") : std::string(1, ch);
    return sbatch_quote(s);
  };
  std::ostringstream o;
  auto line = [&](const std::string& key, const std::string& quoted) {
    o << "#SBATCH --" << key << "=" << quoted << "\n";
  };
  line("job-name", sbatch_quote(job_name));
  line("output", path_value(trial_dir / "stdout"));
  line("error", path_value(trial_dir / "stderr"));
  const auto t = slurm.time_limit.find(scale);
  line("time", sbatch_quote(t == slurm.time_limit.end() ? slurm.default_time_limit : t->second));
  line("nodes", std::to_string(slurm.nodes));
  line("cpus-per-task", std::to_string(slurm.cpus_per_task));
  if (!slurm.partition.empty()) line("partition", sbatch_quote(slurm.partition));
  if (!slurm.account.empty()) line("account", sbatch_quote(slurm.account));
  if (!slurm.qos.empty()) line("qos", sbatch_quote(slurm.qos));
  if (!slurm.gres.empty()) line("gres", sbatch_quote(slurm.gres));
  // Extra directives are the user's verbatim sbatch options (validated as one '--' line each).
  for (const auto& e : slurm.extra) o << "#SBATCH " << e << "\n";
  std::string s = o.str();
  if (!s.empty()) s.pop_back();
  return s;
}

std::string render_template(const std::string& text,
                            const std::map<std::string, std::string>& words,
                            const std::map<std::string, std::string>& blocks,
                            const std::string& where) {
  static const std::regex placeholder(R"(\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), placeholder);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    check_literal(text.substr(last, static_cast<size_t>(m.position(0)) - last), where);
    out.append(text, last, static_cast<size_t>(m.position(0)) - last);
    const std::string name = m[1];
    if (auto w = words.find(name); w != words.end()) {
      out += shell_quote(w->second);
    } else if (auto b = blocks.find(name); b != blocks.end()) {
      out += b->second;
    } else {
      std::string known;
      for (const auto& [k, v] : words) known += " " + k;
      for (const auto& [k, v] : blocks) known += " " + k;
      throw ConfigError(where + ": unknown placeholder '{{" + name + "}}'; known:" + known);
    }
    last = static_cast<size_t>(m.position(0) + m.length(0));
  }
  check_literal(text.substr(last), where);
  out.append(text, last, std::string::npos);
  return out;
}

std::filesystem::path proxy_program() { return sibling_program("mixbo-proxy", "MIXBO_PROXY"); }

std::string render_job_script(const JobSetup& c, const TrialParams& p,
                              const std::filesystem::path& params_file,
                              const std::string& job_name) {
  const auto& tpl = c.job.template_path;
  std::ifstream in(tpl);
  if (!in) throw ConfigError("job.template: cannot read " + tpl.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::ostringstream exports;
  for (const auto& [k, v] : params_environment(p, params_file))
    exports << "export " << k << "=" << shell_quote(v) << "\n";
  exports << "export MIXBO_CAMPAIGN=" << shell_quote(p.campaign) << "\n";
  exports << "export MIXBO_CONFIG_DIR=" << shell_quote(c.config_dir.string()) << "\n";
  exports << "export MIXBO_ATTEMPT=" << p.attempt;
  const std::map<std::string, std::string> words = {
      {"trial_id", p.trial_id},
      {"trial_dir", p.trial_dir.string()},
      {"params_file", params_file.string()},
      {"result_file", p.result.string()},
      {"job_name", job_name},
      {"campaign", p.campaign},
      {"attempt", std::to_string(p.attempt)},
      {"scale", p.scale},
      {"steps", std::to_string(p.steps)},
      {"workdir", c.workdir.string()},
      {"config_dir", c.config_dir.string()},
      {"proxy", proxy_program().string()},
      {"command", c.job.command},
  };
  const std::map<std::string, std::string> blocks = {
      {"sbatch", sbatch_header(c.sbatch, job_name, p.scale, p.trial_dir)},
      {"exports", exports.str()},
  };
  static const std::regex uses_command(R"(\{\{\s*command\s*\}\})");
  if (c.job.command.empty() && std::regex_search(ss.str(), uses_command))
    throw ConfigError("job.command is required by the template " + tpl.string());
  if (!c.job.command.empty() && !std::regex_search(ss.str(), uses_command))
    throw ConfigError("job.command is set, but the template " + tpl.string() +
                      " does not run it (it has no {{command}}): remove job.template to run the "
                      "command with jobs/train.sbatch.in, or job.command to run the template");
  return render_template(ss.str(), words, blocks, "job template " + tpl.string());
}

}  // namespace mixbo
