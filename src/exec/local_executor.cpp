#include "mixbo/exec/local_executor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/exec/job_environment.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/job_script.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

// ---- The supervisor: runs between fork() and _exit(), so async-signal-safe calls only. ----

volatile sig_atomic_t g_terminate = 0;
void on_terminate(int) { g_terminate = 1; }

struct SupervisorPaths {
  std::string dir, pid, pid_tmp, exit, exit_tmp, out, err, trial_dir, script;
};

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Appends the decimal form of v to buf at *n (no snprintf: not async-signal-safe).
void put_int(char* buf, size_t* n, long long v) {
  char tmp[24];
  size_t k = 0;
  const bool neg = v < 0;
  unsigned long long u =
      neg ? static_cast<unsigned long long>(-(v + 1)) + 1ULL : static_cast<unsigned long long>(v);
  do {
    tmp[k++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) buf[(*n)++] = '-';
  while (k) buf[(*n)++] = tmp[--k];
}

void put_str(char* buf, size_t* n, const char* s) {
  while (*s) buf[(*n)++] = *s++;
}

// tmp file, fsync, rename, fsync folder.
void write_durable(const char* tmp, const char* final_path, const char* dir, const char* text,
                   size_t len, bool sync = true) {
  const int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  size_t off = 0;
  while (off < len) {
    const ssize_t w = ::write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  if (sync) ::fsync(fd);
  ::close(fd);
  ::rename(tmp, final_path);
  if (!sync) return;
  const int dfd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// The supervisor's own process: its own session, no terminal signals, and none of the
// driver's files open: a reader of the driver's output must see EOF when the driver ends, not
// when the last job does.
void detach_from_driver(int lock_fd) {
  ::setsid();
  struct sigaction sa {};
  sa.sa_handler = on_terminate;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  const int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
  }
  for (int fd = 3; fd < 1024; ++fd)
    if (fd != lock_fd) ::close(fd);
}

// The job itself (in the forked child): its own process group, in the trial folder, output to
// the job's files, `bash SCRIPT`.
[[noreturn]] void exec_job(const SupervisorPaths& p, char* const* envp, int lock_fd) {
  ::setpgid(0, 0);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGHUP, SIG_DFL);
  ::close(lock_fd);
  if (::chdir(p.trial_dir.c_str()) != 0) ::_exit(126);
  const int out = ::open(p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open(p.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out >= 0) ::dup2(out, 1);
  if (err >= 0) ::dup2(err, 2);
  if (out > 2) ::close(out);
  if (err > 2) ::close(err);
  char arg0[] = "bash";
  char* argv[] = {arg0, const_cast<char*>(p.script.c_str()), nullptr};
  ::execve("/bin/bash", argv, envp);
  ::_exit(127);
}

struct JobEnd {
  int status = 0;  // waitpid's
  bool cancelled = false, timed_out = false;
};

// Waits for the job; on a cancel (SIGTERM to the supervisor) or past the time limit sends its
// group SIGTERM, then SIGKILL `grace` seconds later, as Slurm does.
JobEnd wait_for_job(pid_t child, double time_limit, double grace) {
  const double start = monotonic_now();
  const double deadline = time_limit > 0 ? start + time_limit : HUGE_VAL;
  double kill_at = HUGE_VAL;
  JobEnd e;
  for (;;) {
    const pid_t r = ::waitpid(child, &e.status, WNOHANG);
    if (r == child) break;
    if (r < 0 && errno != EINTR) {
      e.status = 0xff00;  // "exit 255": should not happen, the child is ours
      break;
    }
    const double now = monotonic_now();
    if (g_terminate && !e.cancelled && !e.timed_out) {
      e.cancelled = true;
      ::kill(-child, SIGTERM);
      kill_at = now + grace;
    }
    if (!e.cancelled && !e.timed_out && now >= deadline) {
      e.timed_out = true;
      ::kill(-child, SIGTERM);
      kill_at = now + grace;
    }
    if (now >= kill_at) {
      ::kill(-child, SIGKILL);
      kill_at = HUGE_VAL;
    }
    timespec ts{0, 20 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
  return e;
}

// "CODE SIGNAL WHY\n" into the job's exit file, durably.
void write_exit_file(const SupervisorPaths& p, const JobEnd& e) {
  const int code = WIFEXITED(e.status) ? WEXITSTATUS(e.status) : -1;
  const int sig = WIFSIGNALED(e.status) ? WTERMSIG(e.status) : 0;
  char buf[128];
  size_t n = 0;
  put_int(buf, &n, code);
  buf[n++] = ' ';
  put_int(buf, &n, sig);
  buf[n++] = ' ';
  put_str(buf, &n,
          e.timed_out   ? "TIMEOUT"
          : e.cancelled ? "CANCELLED"
          : sig         ? "signal"
          : code        ? "exit"
                        : "ok");
  buf[n++] = '\n';
  write_durable(p.exit_tmp.c_str(), p.exit.c_str(), p.dir.c_str(), buf, n);
}

[[noreturn]] void supervise(const SupervisorPaths& p, char* const* envp, int lock_fd,
                            double time_limit, double grace) {
  detach_from_driver(lock_fd);
  char buf[128];
  size_t n = 0;
  // A pid file before the job exists: should this supervisor die between its fork and the
  // final pid file, a restarted driver sees the job as lost (and retries it as a new attempt)
  // instead of queued (and starting this attempt a second time). No fsync: after a machine
  // crash, when this file may vanish, the job died too and running it again is right.
  put_int(buf, &n, ::getpid());
  put_str(buf, &n, " 0\n");
  write_durable(p.pid_tmp.c_str(), p.pid.c_str(), p.dir.c_str(), buf, n, false);

  const pid_t child = ::fork();
  if (child == 0) exec_job(p, envp, lock_fd);
  n = 0;
  if (child < 0) {
    put_str(buf, &n, "127 0 fork-failed\n");
    write_durable(p.exit_tmp.c_str(), p.exit.c_str(), p.dir.c_str(), buf, n);
    ::_exit(1);
  }
  ::setpgid(child, child);  // also here: no window where a kill(-child) misses
  put_int(buf, &n, ::getpid());
  buf[n++] = ' ';
  put_int(buf, &n, child);
  buf[n++] = '\n';
  write_durable(p.pid_tmp.c_str(), p.pid.c_str(), p.dir.c_str(), buf, n);

  const JobEnd end = wait_for_job(child, time_limit, grace);
  ::kill(-child, SIGKILL);  // what the job left behind in its group, as Slurm does at job end
  write_exit_file(p, end);
  ::_exit(0);
}

// ---- Driver side. ----

// True when some process holds the job's lock (the job is alive).
bool lock_held(const fs::path& lock) {
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the lock if we took it
  return held;
}

struct ExitRecord {
  int code = 0, sig = 0;
  std::string reason;
};

std::optional<ExitRecord> read_exit(const fs::path& dir) {
  std::ifstream in(dir / "exit");
  if (!in) return std::nullopt;
  ExitRecord e;
  if (!(in >> e.code >> e.sig >> e.reason)) return std::nullopt;
  return e;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGKILL:
      return "SIGKILL";
    case SIGTERM:
      return "SIGTERM";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGINT:
      return "SIGINT";
    case SIGBUS:
      return "SIGBUS";
    default:
      return "";
  }
}

JobStatus from_exit(const ExitRecord& e) {
  JobStatus s;
  s.exit_code = e.code;
  if (e.reason == "ok") {
    s.phase = JobPhase::Completed;
    return s;
  }
  s.phase = JobPhase::Failed;
  if (e.reason == "TIMEOUT" || e.reason == "CANCELLED")
    s.reason = e.reason;
  else if (e.sig)
    s.reason = "signal " + std::to_string(e.sig) +
               (*signal_name(e.sig) ? std::string(" (") + signal_name(e.sig) + ")" : "");
  else
    s.reason = "exit code " + std::to_string(e.code);
  return s;
}

struct Request {
  fs::path trial_dir, script;
};

Request read_request(const fs::path& dir) {
  std::ifstream in(dir / "request");
  Request r;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("trial_dir=", 0) == 0) r.trial_dir = line.substr(10);
    if (line.rfind("script=", 0) == 0) r.script = line.substr(7);
  }
  if (r.trial_dir.empty() || r.script.empty())
    throw Error("local executor: " + (dir / "request").string() + " is incomplete");
  return r;
}

}  // namespace

bool job_lock_held(const fs::path& lock) { return lock_held(lock); }

double parse_slurm_time(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
  if (t == "UNLIMITED" || t == "INFINITE") return 0;
  static const std::regex re(R"(^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) throw Error("malformed Slurm time limit '" + text + "'");
  auto v = [&](int i) { return m[i].matched ? std::stod(m[i]) : 0.0; };
  const int parts = 1 + m[3].matched + m[4].matched;
  if (m[1].matched) {  // D-H, D-H:M, D-H:M:S
    return v(1) * 86400 + v(2) * 3600 + v(3) * 60 + v(4);
  }
  if (parts == 1) return v(2) * 60;         // M
  if (parts == 2) return v(2) * 60 + v(3);  // M:S
  return v(2) * 3600 + v(3) * 60 + v(4);    // H:M:S
}

double script_time_limit(const fs::path& script) {
  std::ifstream in(script);
  std::string line;
  static const std::regex re(R"(^#SBATCH\s+(?:--time[= ]|-t\s*)(\S+))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, re)) {
      std::string v;  // undo sbatch_quote's quotes and backslashes
      const std::string raw = m[1];
      for (size_t i = 0; i < raw.size(); ++i)
        if (raw[i] != '\\' && raw[i] != '"' && raw[i] != '\'') v += raw[i];
      return parse_slurm_time(v);
    }
  }
  return 0;
}

LocalExecutor::LocalExecutor(fs::path state_dir, int max_concurrent, double kill_grace_seconds)
    : dir_(std::move(state_dir)),
      max_concurrent_(std::max(1, max_concurrent)),
      grace_(kill_grace_seconds) {
  fs::create_directories(dir_);
  // Jobs a previous driver started still occupy slots.
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.is_directory() && lock_held(e.path() / "lock"))
      active_.insert(e.path().filename().string());
}

LocalExecutor::~LocalExecutor() { reap(); }

void LocalExecutor::reap() {
  for (auto it = children_.begin(); it != children_.end();) {
    int st = 0;
    const pid_t r = ::waitpid(*it, &st, WNOHANG);
    if (r == *it || (r < 0 && errno == ECHILD))
      it = children_.erase(it);
    else
      ++it;
  }
}

int LocalExecutor::running() {
  for (auto it = active_.begin(); it != active_.end();) {
    if (lock_held(dir_ / *it / "lock"))
      ++it;
    else
      it = active_.erase(it);
  }
  return static_cast<int>(active_.size());
}

std::string LocalExecutor::submit(const JobRequest& job) {
  if (job.job_name.empty() || job.job_name.find('/') != std::string::npos)
    throw Error("local executor: bad job name '" + job.job_name + "'");
  const std::string id = job.job_name + "." + std::to_string(job.attempt);
  const fs::path d = dir_ / id;
  if (fs::exists(d)) {
    if (lock_held(d / "lock")) throw Error("local executor: job " + id + " is already running");
    fs::remove_all(d);  // a leftover of an earlier campaign in this folder
  }
  fs::create_directories(d);
  std::ostringstream req;
  req << "trial_dir=" << job.trial_dir.string() << "\nscript=" << job.script.string() << "\n";
  write_text_atomic(d / "request", req.str());
  queue_.push_back(id);
  launch_queued();
  return id;
}

void LocalExecutor::launch_queued() {
  reap();
  while (!queue_.empty() && running() < max_concurrent_) {
    const std::string id = queue_.front();
    queue_.pop_front();
    launch(id);
  }
}

bool LocalExecutor::launch(const std::string& id) {
  const fs::path d = dir_ / id;
  const Request req = read_request(d);
  const double limit = script_time_limit(req.script);
  const int fd = ::open((d / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("local executor: cannot create " + (d / "lock").string());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // someone else started it
    ::close(fd);
    active_.insert(id);
    return false;
  }
  if (fs::exists(d / "pid") || fs::exists(d / "exit")) {  // started (or cancelled) before
    ::close(fd);
    return false;
  }
  SupervisorPaths p{d.string(),
                    (d / "pid").string(),
                    (d / ".pid.tmp").string(),
                    (d / "exit").string(),
                    (d / ".exit.tmp").string(),
                    (req.trial_dir / "stdout").string(),
                    (req.trial_dir / "stderr").string(),
                    req.trial_dir.string(),
                    req.script.string()};
  const JobEnvironment env;
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw Error("local executor: fork failed for " + id + ": " + std::strerror(errno));
  }
  if (pid == 0) supervise(p, env.envp(), fd, limit, grace_);
  ::close(fd);  // the supervisor holds the lock now
  children_.push_back(pid);
  active_.insert(id);
  return true;
}

JobStatus LocalExecutor::status_of(const std::string& id) {
  const fs::path d = dir_ / id;
  JobStatus s;
  if (!fs::exists(d / "request")) {
    s.phase = JobPhase::Failed;
    s.reason = "unknown job";
    return s;
  }
  if (auto e = read_exit(d)) return from_exit(*e);
  if (lock_held(d / "lock")) {
    s.phase = JobPhase::Running;
    active_.insert(id);
    return s;
  }
  if (auto e = read_exit(d)) return from_exit(*e);  // it ended between the two checks
  if (fs::exists(d / "pid")) {
    s.phase = JobPhase::Failed;
    s.reason = "lost (its supervisor was killed or the machine restarted)";
    return s;
  }
  // Queued: submitted but not started, possibly by a driver that has since died.
  if (std::find(queue_.begin(), queue_.end(), id) == queue_.end()) queue_.push_back(id);
  s.phase = JobPhase::Queued;
  return s;
}

std::map<std::string, JobStatus> LocalExecutor::poll(const std::vector<std::string>& ids) {
  for (const auto& id : ids) status_of(id);  // re-queues adopted jobs that never started
  launch_queued();
  std::map<std::string, JobStatus> out;
  for (const auto& id : ids) out[id] = status_of(id);
  return out;
}

void LocalExecutor::cancel(const std::string& id) {
  const fs::path d = dir_ / id;
  queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
  if (!fs::exists(d / "request") || fs::exists(d / "exit")) return;
  // Not started: take the lock so nobody starts it, and record the cancel.
  const int fd = ::open((d / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    if (!fs::exists(d / "pid") && !fs::exists(d / "exit"))
      write_text_atomic(d / "exit", "-1 0 CANCELLED\n");
    ::close(fd);
    return;
  }
  if (fd >= 0) ::close(fd);
  // Running: the supervisor turns SIGTERM into a group kill and records CANCELLED.
  pid_t sup = 0;
  for (int i = 0; i < 100 && !sup; ++i) {
    std::ifstream in(d / "pid");
    if (!(in >> sup)) {
      sup = 0;
      ::usleep(10000);  // started a moment ago: its pid file is being written
    }
  }
  if (sup > 0 && lock_held(d / "lock")) ::kill(sup, SIGTERM);
}

std::optional<std::string> LocalExecutor::find_by_name(const std::string& job_name) {
  std::optional<std::string> best;
  long best_attempt = -1;
  const std::string prefix = job_name + ".";
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) != 0 || n.size() == prefix.size()) continue;
    const std::string tail = n.substr(prefix.size());
    if (!std::all_of(tail.begin(), tail.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    if (!fs::exists(e.path() / "request")) continue;  // crashed before the request was complete
    const long a = std::stol(tail);
    if (a > best_attempt) best_attempt = a, best = n;
  }
  return best;
}

}  // namespace mixbo
