#include "mixbo/exec/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "mixbo/core/error.hpp"
#include "mixbo/exec/job_environment.hpp"

namespace mixbo {

std::string find_program(const std::string& name) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    // An empty PATH entry means the current folder.
    const std::string candidate =
        (end > start ? dirs.substr(start, end - start) : std::string(".")) + "/" + name;
    if (executable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

namespace {

void close_pair(int p[2]) {
  for (int i = 0; i < 2; ++i)
    if (p[i] >= 0) ::close(p[i]);
}

using Clock = std::chrono::steady_clock;
using Deadline = decltype(Clock::now() + std::chrono::duration<double>());

// Starts `program` with stdin from /dev/null, stdout and stderr into the pipes' write ends, in
// its own process group, with sbatch's environment; returns posix_spawn's error (0: started).
int spawn(const std::string& program, const std::vector<std::string>& argv, const int out[2],
          const int err[2], pid_t& pid) {
  const JobEnvironment env;  // sbatch hands its environment on to the job
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // posix_spawn, not fork: after MPI_Init a fork() copies (and may corrupt) the registered
  // memory of RDMA fabrics; glibc's posix_spawn uses vfork semantics and reports exec failures.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  sigset_t none, pipe_default;
  sigemptyset(&none);
  sigemptyset(&pipe_default);
  sigaddset(&pipe_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_default);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: a timeout kills the whole command
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int spawn_error =
      ::posix_spawn(&pid, program.c_str(), &actions, &attr, args.data(), env.envp());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return spawn_error;
}

// Reads both pipes to their end into r.out and r.err; past the deadline (timeout_seconds > 0)
// kills the process group and sets r.timed_out.
void drain(int out_fd, int err_fd, pid_t pid, double timeout_seconds, Deadline deadline,
           ProcessResult& r) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    int wait_ms = -1;
    if (timeout_seconds > 0) {
      const auto left = std::chrono::duration<double>(deadline - Clock::now()).count();
      if (left <= 0) {
        r.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    const int n = ::poll(fds, 2, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
}

// Waits for the process (still under the deadline) and records how it ended.
void reap(pid_t pid, double timeout_seconds, Deadline deadline, ProcessResult& r) {
  int st = 0;
  // Both pipes closed does not mean it exited (it may have closed them itself): keep the limit.
  for (;;) {
    const pid_t w = ::waitpid(pid, &st, r.timed_out || timeout_seconds <= 0 ? 0 : WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    if (w == 0) {
      if (Clock::now() >= deadline) {
        r.timed_out = true;
        ::kill(-pid, SIGKILL);
      } else {
        ::usleep(2000);
      }
    }
  }
  if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_seconds) {
  ProcessResult r;
  if (argv.empty()) throw Error("run_process: empty command");
  // Resolved here: posix_spawn takes a path (and reports a missing one less clearly).
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    r.not_started = true;
    r.error = argv[0] + ": not found or not executable";
    return r;
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    close_pair(out);
    close_pair(err);
    throw Error("run_process: pipe failed for " + argv[0] + ": " + std::strerror(e));
  }
  pid_t pid = -1;
  const int spawn_error = spawn(program, argv, out, err, pid);
  ::close(out[1]);
  ::close(err[1]);
  if (spawn_error != 0) {
    ::close(out[0]);
    ::close(err[0]);
    r.not_started = true;
    r.error = argv[0] + ": cannot run " + program + ": " + std::strerror(spawn_error);
    return r;
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  drain(out[0], err[0], pid, timeout_seconds, deadline, r);
  reap(pid, timeout_seconds, deadline, r);
  return r;
}

}  // namespace mixbo
