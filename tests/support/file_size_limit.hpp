#pragma once
// A disk that fills up, for tests: runs `write` in a child process whose files cannot grow past
// `limit` bytes (RLIMIT_FSIZE with SIGXFSZ ignored, so write(2) fails with EFBIG as it fails with
// ENOSPC on a full disk; a tmpfs would need root).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>

namespace mixbo::test {

struct LimitedWrite {
  bool threw = false;
  std::string error;    // what() of the exception `write` threw
  bool exited = false;  // the child ended by exit(), not by a signal
};

inline LimitedWrite write_with_file_size_limit(std::uintmax_t limit,
                                               const std::function<void()>& write) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    std::string msg = "+";  // "+": returned
    try {
      write();
    } catch (const std::exception& e) {
      msg = std::string("-") + e.what();
    }
    (void)!::write(fds[1], msg.data(), msg.size());
    ::close(fds[1]);
    // exit, not _exit: library exit handlers run as when a mixbo process stops on the error
    // (HDF5's crashed on a file whose flush had failed).
    std::exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    msg.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  LimitedWrite r;
  r.exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r.threw = !msg.empty() && msg[0] == '-';
  if (r.threw) r.error = msg.substr(1);
  return r;
}

}  // namespace mixbo::test
