#include "mixbo/exec/slurm_executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "mixbo/core/error.hpp"
#include "mixbo/core/text.hpp"
#include "mixbo/exec/local_executor.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/job_script.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

bool contains(const std::string& text, const char* what) {
  return to_lower(text).find(what) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// What a failed command said, on one line, for messages.
std::string said(const ProcessResult& r) {
  if (r.not_started) return r.error;
  if (r.timed_out) return "timed out";
  std::string e = trim(r.err.empty() ? r.out : r.err);
  std::replace(e.begin(), e.end(), '\n', ' ');
  if (e.size() > 300) e = e.substr(0, 300) + "...";
  if (e.empty()) e = "exit code " + std::to_string(r.exit_code);
  return e;
}

bool invalid_job_id(const ProcessResult& r) { return contains(r.err, "invalid job id"); }
bool accounting_disabled(const ProcessResult& r) {
  return contains(r.err + r.out, "accounting storage is disabled");
}

// "123" -> (123, -1), "123_4" -> (123, 4); a range task "123_[0-3]" or "123_0-3" -> (123, -2).
std::pair<long long, long long> id_key(const std::string& id) {
  const auto u = id.find('_');
  try {
    const long long base = std::stoll(id.substr(0, u));
    if (u == std::string::npos) return {base, -1};
    const std::string task = id.substr(u + 1);
    if (!task.empty() && std::all_of(task.begin(), task.end(), ::isdigit))
      return {base, std::stoll(task)};
    return {base, -2};
  } catch (const std::exception&) {
    return {-1, -1};
  }
}

std::optional<std::string> newest(const std::vector<std::string>& ids) {
  std::optional<std::string> best;
  for (const auto& id : ids)
    if (id_key(id).first >= 0 && (!best || id_key(id) > id_key(*best))) best = id;
  return best;
}

// key=value fields of one `scontrol -o show job` record (values up to the next space).
std::map<std::string, std::string> scontrol_fields(const std::string& line) {
  std::map<std::string, std::string> f;
  static const std::regex kv(R"((?:^|\s)([A-Za-z][A-Za-z0-9/:_]*)=(\S*))");
  for (auto it = std::sregex_iterator(line.begin(), line.end(), kv); it != std::sregex_iterator();
       ++it)
    f.emplace((*it)[1], (*it)[2]);
  return f;
}

// The id of a scontrol record as this executor writes ids: "A_k" for an array task.
std::string scontrol_id(const std::map<std::string, std::string>& f) {
  const auto a = f.find("ArrayJobId");
  const auto t = f.find("ArrayTaskId");
  if (a != f.end() && t != f.end() && !a->second.empty() && a->second != "N/A")
    return a->second + "_" + t->second;
  const auto j = f.find("JobId");
  return j == f.end() ? "" : j->second;
}

bool terminal(JobPhase p) { return p == JobPhase::Completed || p == JobPhase::Failed; }

// A state this version does not know (a newer Slurm's) must not stop the campaign: the job is
// left out of the answer, so the loop keeps it as it was and asks again.
std::optional<JobStatus> known_status(const std::string& id, const std::string& state,
                                      const std::string& exit_code, const std::string& reason) {
  try {
    return slurm_job_status(state, exit_code, reason);
  } catch (const Error& e) {
    std::cerr << "mixbo: slurm: job " << id << ": " << e.what() << "; asking again later\n";
    return std::nullopt;
  }
}

}  // namespace

// ---- Free functions ----

JobStatus slurm_job_status(const std::string& state_text, const std::string& exit_code,
                           const std::string& reason) {
  // sacct writes "CANCELLED by 123"; squeue/scontrol may append '+' (e.g. "CANCELLED+").
  std::string state = trim(state_text);
  state = state.substr(0, state.find(' '));
  while (!state.empty() && state.back() == '+') state.pop_back();
  std::transform(state.begin(), state.end(), state.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  int code = 0, sig = 0;
  {
    const auto parts = split(trim(exit_code), ':');
    try {
      if (!parts.empty() && !parts[0].empty()) code = std::stoi(parts[0]);
      if (parts.size() > 1 && !parts[1].empty()) sig = std::stoi(parts[1]);
    } catch (const std::exception&) {
      code = sig = 0;
    }
  }
  JobStatus s;
  static const std::set<std::string> queued = {"PENDING",      "CONFIGURING", "REQUEUED",
                                               "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD",
                                               "POWER_UP_NODE"};
  static const std::set<std::string> running = {"RUNNING",   "COMPLETING", "SUSPENDED",
                                                "STAGE_OUT", "SIGNALING",  "STOPPED",
                                                "RESIZING",  "UPDATE_DB"};
  static const std::set<std::string> failed = {
      "FAILED",    "TIMEOUT",   "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
      "PREEMPTED", "BOOT_FAIL", "DEADLINE",  "REVOKED",   "SPECIAL_EXIT"};
  if (queued.count(state)) {
    s.phase = JobPhase::Queued;
    s.reason = reason == "None" ? "" : reason;
    return s;
  }
  if (running.count(state)) {
    s.phase = JobPhase::Running;
    return s;
  }
  if (state == "COMPLETED") {
    s.phase = JobPhase::Completed;
    s.exit_code = code;
    return s;
  }
  if (!failed.count(state)) throw Error("unknown Slurm job state '" + state_text + "'");
  s.phase = JobPhase::Failed;
  s.exit_code = sig ? 128 + sig : code;
  s.reason = state;
  if (sig)
    s.reason += " (signal " + std::to_string(sig) + ")";
  else if (code)
    s.reason += " (exit code " + std::to_string(code) + ")";
  const std::string r = trim(reason);
  if (!r.empty() && r != "None" && r != "NonZeroExitCode" && to_lower(r) != to_lower(state))
    s.reason += ", " + r;
  return s;
}

std::string parse_sbatch_parsable(const std::string& out) {
  // The id is the last non-empty line (sbatch may print warnings before it).
  const auto ls = lines_of(out);
  if (!ls.empty()) {
    const std::string id = trim(split(ls.back(), ';')[0]);
    if (!id.empty() && std::all_of(id.begin(), id.end(), ::isdigit)) return id;
  }
  throw Error("sbatch --parsable printed no job id: '" + trim(out) + "'");
}

bool slurm_transient_failure(const ProcessResult& r) {
  if (r.not_started) return false;
  if (r.timed_out || r.signal) return true;
  if (r.exit_code == 0) return false;
  static const char* patterns[] = {"unable to contact slurm controller",
                                   "socket timed out",
                                   "timed out",
                                   "temporarily unable",
                                   "temporarily unavailable",
                                   "connection refused",
                                   "connection reset",
                                   "connect failure",
                                   "transport endpoint",
                                   "zero bytes were transmitted",
                                   "communication connection failure",
                                   "try again",
                                   "problem talking to the database",
                                   "slurmdbd",
                                   "slurm_receive_msg"};
  const std::string text = r.err + "\n" + r.out;
  for (const char* p : patterns)
    if (contains(text, p)) return true;
  return false;
}

std::string format_slurm_time(double seconds) {
  long long s = static_cast<long long>(std::ceil(std::max(0.0, seconds)));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", s / 86400, s / 3600 % 24, s / 60 % 60,
                s % 60);
  return buf;
}

// ---- The executor ----

SlurmExecutor::SlurmExecutor(fs::path state_dir, SlurmOptions options)
    : dir_(std::move(state_dir)), opt_(std::move(options)) {
  fs::create_directories(dir_ / "arrays");
}

ProcessResult SlurmExecutor::run(std::vector<std::string> argv) {
  if (!opt_.bin_dir.empty()) argv[0] = (fs::path(opt_.bin_dir) / argv[0]).string();
  return run_process(argv, opt_.command_timeout);
}

void SlurmExecutor::note_retry(const std::string& what, const ProcessResult& r, double delay) {
  ++retries_;
  if (opt_.quiet) return;
  std::cerr << "mixbo: slurm: " << what << " failed (" << said(r) << "); retrying in " << delay
            << " s\n";
}

std::pair<ProcessResult, CommandOutcome> SlurmExecutor::run_retrying(
    const std::vector<std::string>& argv, double budget,
    CommandOutcome (*classify)(const ProcessResult&)) {
  const auto t0 = std::chrono::steady_clock::now();
  double delay = opt_.retry_initial;
  for (;;) {
    ProcessResult r = run(argv);
    const CommandOutcome o = classify(r);
    if (o != CommandOutcome::Transient) return {r, o};
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (spent + delay > budget) return {r, o};
    note_retry(argv[0], r, delay);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    delay = std::min(delay * 2, opt_.retry_max_delay);
  }
}

namespace {

// squeue / scontrol: "Invalid job id" is an answer (no such job), anything else that failed is
// worth asking again.
CommandOutcome classify_query(const ProcessResult& r) {
  if (r.ok()) return CommandOutcome::Ok;
  if (r.not_started || invalid_job_id(r)) return CommandOutcome::Permanent;
  return CommandOutcome::Transient;
}

CommandOutcome classify_sacct(const ProcessResult& r) {
  if (r.ok()) return CommandOutcome::Ok;
  if (r.not_started || accounting_disabled(r)) return CommandOutcome::Permanent;
  return CommandOutcome::Transient;
}

CommandOutcome classify_scancel(const ProcessResult& r) {
  // A job that is gone or already ending needs no cancel.
  if (r.ok() || invalid_job_id(r) || contains(r.err, "already completing or completed"))
    return CommandOutcome::Ok;
  return slurm_transient_failure(r) ? CommandOutcome::Transient : CommandOutcome::Permanent;
}

// The states of the wanted jobs not in `out` yet, from sacct's "JobID|State|ExitCode" lines.
void add_sacct_states(const std::string& text, const std::set<std::string>& wanted,
                      std::map<std::string, JobStatus>& out) {
  for (const auto& line : lines_of(text)) {
    const auto f = split(line, '|');
    if (f.size() < 3 || !wanted.count(f[0]) || out.count(f[0])) continue;
    if (auto st = known_status(f[0], f[1], f[2], "")) out[f[0]] = *st;
  }
}

// The fields of job `id` among `scontrol -o show job` records: its own record, or (for an array
// task still pending inside its array's record, "ArrayTaskId=2-5") the array's.
std::optional<std::map<std::string, std::string>> scontrol_record(
    const std::vector<std::string>& records, const std::string& id) {
  std::optional<std::map<std::string, std::string>> match;
  const auto base = id.substr(0, id.find('_'));
  for (const auto& rec : records) {
    auto f = scontrol_fields(rec);
    if (scontrol_id(f) == id || f["JobId"] == id) return f;
    if (!match && f["ArrayJobId"] == base && id.find('_') != std::string::npos) match = f;
  }
  return match;
}

}  // namespace

std::map<std::string, JobStatus> SlurmExecutor::poll(const std::vector<std::string>& ids) {
  std::map<std::string, JobStatus> out;
  if (ids.empty()) return out;
  const std::set<std::string> wanted(ids.begin(), ids.end());
  const std::vector<std::string> unique(wanted.begin(), wanted.end());

  // 1. Pending and running jobs. squeue answers "Invalid job id" for one id it does not know.
  auto [q, qo] = run_retrying({"squeue", "-h", "-r", "-o", "%i|%T|%r", "-j", join(unique, ",")},
                              opt_.poll_budget_seconds, classify_query);
  if (qo == CommandOutcome::Transient) return out;  // Slurm unreachable: nothing is known
  if (qo == CommandOutcome::Permanent && !invalid_job_id(q))
    throw Error("slurm: squeue: " + said(q));
  if (qo == CommandOutcome::Ok) {
    for (const auto& line : lines_of(q.out)) {
      const auto f = split(line, '|');
      if (f.size() < 2 || !wanted.count(f[0])) continue;
      const auto s = known_status(f[0], f[1], "0:0", f.size() > 2 ? f[2] : "");
      if (s && !terminal(s->phase)) out[f[0]] = *s;  // a terminal state's exit code comes below
    }
  }
  std::vector<std::string> rest;
  for (const auto& id : unique)
    if (!out.count(id)) rest.push_back(id);

  // 2. Finished jobs from accounting.
  if (!rest.empty() && accounting_) {
    auto [a, ao] = run_retrying(
        {"sacct", "-n", "-P", "-X", "-j", join(rest, ","), "--format=JobID,State,ExitCode"},
        opt_.poll_budget_seconds, classify_sacct);
    if (ao == CommandOutcome::Permanent && accounting_disabled(a)) {
      accounting_ = false;
    } else if (ao == CommandOutcome::Ok) {
      add_sacct_states(a.out, wanted, out);
    } else if (ao == CommandOutcome::Permanent) {
      throw Error("slurm: sacct: " + said(a));
    }
    // Transient: scontrol below may still know them.
  }

  // 3. scontrol: the controller keeps finished jobs for MinJobAge seconds.
  std::vector<std::string> unknown;
  for (const auto& id : rest) {
    if (out.count(id)) continue;
    auto [c, co] = run_retrying({"scontrol", "-o", "show", "job", id}, opt_.poll_budget_seconds,
                                classify_query);
    if (co == CommandOutcome::Transient) continue;  // ask again next time
    if (co == CommandOutcome::Permanent) {
      if (!invalid_job_id(c)) throw Error("slurm: scontrol: " + said(c));
      unknown.push_back(id);
      continue;
    }
    auto match = scontrol_record(lines_of(c.out), id);
    if (!match) {
      unknown.push_back(id);
      continue;
    }
    if (auto st = known_status(id, (*match)["JobState"], (*match)["ExitCode"], (*match)["Reason"]))
      out[id] = *st;
  }

  // 4. The job-completion log (jobs the controller has forgotten, clusters without slurmdbd).
  if (!unknown.empty() && !accounting_) {
    auto [j, jo] = run_retrying(
        {"sacct", "-c", "-n", "-P", "-j", join(unknown, ","), "--format=JobID,State,ExitCode"},
        opt_.poll_budget_seconds, classify_sacct);
    if (jo == CommandOutcome::Ok) add_sacct_states(j.out, wanted, out);
    if (jo == CommandOutcome::Transient) return out;
  }
  for (const auto& id : unknown)
    if (!out.count(id)) out[id] = JobStatus{JobPhase::Failed, "unknown job", 0};
  return out;
}

std::optional<std::vector<std::string>> SlurmExecutor::try_jobs_named(const std::string& name) {
  std::vector<std::string> ids;
  auto q = run({"squeue", "-h", "-r", "--name=" + name, "-o", "%i|%j"});
  if (classify_query(q) != CommandOutcome::Ok) {
    last_error_ = "squeue: " + said(q);
    return std::nullopt;
  }
  for (const auto& line : lines_of(q.out)) {
    const auto f = split(line, '|');
    if (f.size() >= 2 && f[1] == name) ids.push_back(f[0]);
  }
  if (accounting_) {
    auto a = run({"sacct", "-n", "-P", "-X", "--name=" + name, "--starttime=now-60days",
                  "--format=JobID,JobName"});
    const auto o = classify_sacct(a);
    if (o == CommandOutcome::Permanent && accounting_disabled(a)) {
      accounting_ = false;
    } else if (o != CommandOutcome::Ok) {
      last_error_ = "sacct: " + said(a);
      return std::nullopt;
    } else {
      for (const auto& line : lines_of(a.out)) {
        const auto f = split(line, '|');
        if (f.size() >= 2 && f[1] == name) ids.push_back(f[0]);
      }
    }
  }
  if (!accounting_) {
    auto c = run({"scontrol", "-o", "show", "job"});
    if (classify_query(c) != CommandOutcome::Ok) {
      last_error_ = "scontrol: " + said(c);
      return std::nullopt;
    }
    for (const auto& line : lines_of(c.out)) {
      const auto f = scontrol_fields(line);
      const auto n = f.find("JobName");
      if (n != f.end() && n->second == name) ids.push_back(scontrol_id(f));
    }
  }
  return ids;
}

std::vector<std::string> SlurmExecutor::jobs_named(const std::string& name) {
  const auto t0 = std::chrono::steady_clock::now();
  double delay = opt_.retry_initial;
  for (;;) {
    if (auto ids = try_jobs_named(name)) return *ids;
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (spent + delay > opt_.retry_budget_seconds)
      throw Error("slurm: cannot look up jobs named '" + name + "' (" + last_error_ + ")");
    ++retries_;
    if (!opt_.quiet)
      std::cerr << "mixbo: slurm: look-up of '" << name << "' failed (" << last_error_
                << "); retrying in " << delay << " s\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    delay = std::min(delay * 2, opt_.retry_max_delay);
  }
}

std::optional<std::string> SlurmExecutor::find_by_name(const std::string& job_name) {
  std::vector<std::string> candidates = jobs_named(job_name);
  // Tasks of arrays this executor submitted: their jobs are named after the array.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "arrays", ec)) {
    if (e.path().extension() != ".tasks") continue;
    std::ifstream in(e.path());
    std::string line;
    std::vector<std::string> tasks;
    while (std::getline(in, line)) {
      const auto tab = line.find('\t');
      if (tab != std::string::npos && line.substr(tab + 1) == job_name)
        tasks.push_back(line.substr(0, tab));
    }
    if (tasks.empty()) continue;
    const auto array = newest(jobs_named(e.path().stem().string()));
    if (!array) continue;  // never submitted (the driver died before sbatch)
    const std::string base = array->substr(0, array->find('_'));
    for (const auto& k : tasks) candidates.push_back(base + "_" + k);
  }
  // Array placeholders ("A_[0-3]") name no task of their own.
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [](const std::string& id) { return id_key(id).second == -2; }),
                   candidates.end());
  return newest(candidates);
}

std::string SlurmExecutor::sbatch(const std::vector<std::string>& args, const std::string& job_name,
                                  const std::optional<std::string>& baseline,
                                  const std::string& what) {
  const auto t0 = std::chrono::steady_clock::now();
  double delay = opt_.retry_initial;
  for (;;) {
    const ProcessResult r = run(args);
    if (r.ok()) return parse_sbatch_parsable(r.out);
    if (!slurm_transient_failure(r)) throw Error("slurm: sbatch " + what + ": " + said(r));
    // The submission may have reached slurmctld before the failure: look for it by name
    // before submitting again, and keep asking until Slurm answers.
    for (;;) {
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (spent + delay > opt_.retry_budget_seconds)
        throw Error("slurm: sbatch " + what + " kept failing for " +
                    std::to_string(static_cast<int>(spent)) + " s: " + said(r));
      note_retry("sbatch " + what, r, delay);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      delay = std::min(delay * 2, opt_.retry_max_delay);
      const auto found = try_jobs_named(job_name);
      if (!found) continue;
      const auto n = newest(*found);
      if (n && (!baseline || id_key(*n) > id_key(*baseline))) return n->substr(0, n->find('_'));
      break;
    }
  }
}

std::string SlurmExecutor::submit(const JobRequest& job) {
  // An earlier attempt of this trial has the same job name: only a newer job is this one.
  std::optional<std::string> baseline;
  if (job.attempt > 1) baseline = newest(jobs_named(job.job_name));
  return sbatch({"sbatch", "--parsable", "--job-name=" + job.job_name,
                 "--chdir=" + job.trial_dir.string(), job.script.string()},
                job.job_name, baseline, job.script.string());
}

namespace {

// The #SBATCH lines of a script's header (sbatch reads them up to the first command line).
std::vector<std::string> sbatch_directives(const fs::path& script) {
  std::ifstream in(script);
  if (!in) throw Error("slurm: cannot read job script " + script.string());
  std::vector<std::string> out;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (first && t.rfind("#!", 0) == 0) {
      first = false;
      continue;
    }
    first = false;
    if (t.empty()) continue;
    if (t[0] != '#') break;
    if (t.rfind("#SBATCH", 0) == 0) out.push_back(t);
  }
  return out;
}

}  // namespace

std::string SlurmExecutor::write_array_wrapper(const std::vector<JobRequest>& jobs,
                                               std::string* array_name) {
  // Unique per submission: the name is how a restarted driver finds the array again.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  *array_name =
      jobs.front().job_name + "-array" + std::to_string(jobs.size()) + "-" + std::to_string(ms);
  const fs::path dir = dir_ / "arrays";
  double limit = 0;
  bool unlimited = false;
  for (const auto& j : jobs) {
    const double t = script_time_limit(j.script);
    if (t <= 0) unlimited = true;
    limit = std::max(limit, t);
  }
  static const std::regex dropped(R"(^#SBATCH\s+--(job-name|output|error|time|array)([=\s]|$))");
  std::ostringstream w;
  w << "#!/bin/bash\n";
  w << "#SBATCH --job-name=" << sbatch_quote(*array_name) << "\n";
  // In --output a '%' starts a pattern ("%a" = task id); '%%' is a literal one.
  std::string log;
  for (char ch : (dir / *array_name).string())
    log += ch == '%' ? std::string("%%") : std::string(1, ch);
  w << "#SBATCH --output=" << sbatch_quote(log + ".%a.log") << "\n";
  if (!unlimited) w << "#SBATCH --time=" << format_slurm_time(limit) << "\n";
  for (const auto& d : sbatch_directives(jobs.front().script))
    if (!std::regex_search(d, dropped)) w << d << "\n";
  w << "# Written by mixbo's Slurm executor: one job array for " << jobs.size()
    << " trials. Task k runs trial k's own job script\n"
       "# (its #SBATCH lines are ignored here; the array's time limit is the longest of them).\n"
       "set -u\n"
       "case \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (size_t k = 0; k < jobs.size(); ++k) {
    const auto& j = jobs[k];
    w << "  " << k << ") cd " << shell_quote(j.trial_dir.string()) << " && exec bash "
      << shell_quote(j.script.string()) << " >" << shell_quote((j.trial_dir / "stdout").string())
      << " 2>" << shell_quote((j.trial_dir / "stderr").string()) << " ;;\n";
  }
  w << "  *) echo \"mixbo array: no task '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;\n"
       "esac\n";
  std::ostringstream tasks;
  for (size_t k = 0; k < jobs.size(); ++k) tasks << k << "\t" << jobs[k].job_name << "\n";
  // The task list first: once sbatch may have run, find_by_name must be able to see it.
  write_text_atomic(dir / (*array_name + ".tasks"), tasks.str());
  const fs::path script = dir / (*array_name + ".sh");
  write_text_atomic(script, w.str());
  return script.string();
}

std::vector<std::string> SlurmExecutor::submit_many(const std::vector<JobRequest>& jobs) {
  if (!opt_.use_array || jobs.size() < 2) return Executor::submit_many(jobs);
  const size_t kMaxTasks = static_cast<size_t>(std::max(2, opt_.max_array_tasks));
  std::vector<std::string> ids;
  for (size_t first = 0; first < jobs.size(); first += kMaxTasks) {
    const std::vector<JobRequest> part(
        jobs.begin() + static_cast<std::ptrdiff_t>(first),
        jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), first + kMaxTasks)));
    if (part.size() == 1) {
      ids.push_back(submit(part.front()));
      continue;
    }
    std::string name;
    const std::string script = write_array_wrapper(part, &name);
    const std::string id =
        sbatch({"sbatch", "--parsable", "--array=0-" + std::to_string(part.size() - 1), script},
               name, std::nullopt, script);
    for (size_t k = 0; k < part.size(); ++k) ids.push_back(id + "_" + std::to_string(k));
  }
  return ids;
}

void SlurmExecutor::cancel(const std::string& id) {
  auto [r, o] = run_retrying({"scancel", id}, opt_.retry_budget_seconds, classify_scancel);
  if (o != CommandOutcome::Ok) throw Error("slurm: scancel " + id + ": " + said(r));
}

}  // namespace mixbo
