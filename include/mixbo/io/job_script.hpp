#pragma once
// Job scripts rendered from the templates in jobs/. Template syntax (documented in
// jobs/README.md): `{{name}}` is replaced by the value of `name` as ONE shell word (single
// quotes, or $'...' when it holds control characters), so a value can never become shell code;
// two placeholders are blocks of generated lines instead: `{{sbatch}}` (the #SBATCH header from
// the campaign's [slurm] section) and `{{exports}}` (`export MIXBO_...=<quoted>` lines).
// An unknown placeholder is an error naming the template.
#include <filesystem>
#include <map>
#include <string>

#include "mixbo/config/job_options.hpp"
#include "mixbo/io/trial_params.hpp"

namespace mixbo {

// One shell word that bash reads back as exactly `s`, on a single line.
std::string shell_quote(const std::string& s);
// A value for an `#SBATCH --key=value` line as sbatch's own parser reads it (backslash escapes);
// throws Error on a newline, which sbatch cannot represent.
std::string sbatch_quote(const std::string& s);

// The #SBATCH lines of one trial: job name, output/error in the trial directory, per-scale time
// limit, nodes, cpus, and partition/account/qos/gres/extra when configured.
std::string sbatch_header(const SbatchOptions& slurm, const std::string& job_name,
                          const std::string& scale, const std::filesystem::path& trial_dir);

// Replaces the placeholders of `text` (see above). `words` are quoted, `blocks` inserted as is.
std::string render_template(const std::string& text,
                            const std::map<std::string, std::string>& words,
                            const std::map<std::string, std::string>& blocks,
                            const std::string& where);

// The mixbo-proxy program: $MIXBO_PROXY, else next to the running executable or in a folder
// above it (up to build/), else "mixbo-proxy" (looked up on PATH by the job).
std::filesystem::path proxy_program();

// The job script of a trial from the campaign's template (setup.job.template_path).
// Placeholders: trial_id, trial_dir, params_file, result_file, job_name, campaign, attempt,
// scale, steps, workdir, config_dir (the campaign file's folder), proxy, command (job.command,
// run by the template with `bash -c`).
std::string render_job_script(const JobSetup& c, const TrialParams& p,
                              const std::filesystem::path& params_file,
                              const std::string& job_name);

}  // namespace mixbo
