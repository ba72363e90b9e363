#include "mixbo/io/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {
std::filesystem::path temporary_for(const std::filesystem::path& file) {
  std::string name = ".";  // built piecewise: GCC 12 warns falsely (-Wrestrict) on "." + string
  name += file.filename().string();
  name += ".tmp." + std::to_string(::getpid());
  return file.parent_path() / name;
}
}  // namespace

void replace_file(const std::filesystem::path& file,
                  const std::function<void(const std::filesystem::path& tmp)>& write) {
  const auto tmp = temporary_for(file);
  try {
    write(tmp);
    durable_rename(tmp, file);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

void write_text_atomic(const std::filesystem::path& file, std::string_view text) {
  replace_file(file, [&](const std::filesystem::path& tmp) { write_bytes(tmp, text); });
}

void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot create " + path.string() + ": " + std::strerror(errno));
  const auto failed = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    throw Error(std::string("cannot ") + what + " " + path.string() + ": " + std::strerror(err));
  };
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // no progress and no error: do not spin
    if (n <= 0) failed("write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) failed("sync");
  if (::close(fd) != 0) throw Error("cannot close " + path.string() + ": " + std::strerror(errno));
}

void fsync_path(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw Error("cannot open " + path.string() + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw Error("fsync of " + path.string() + " failed: " + std::strerror(errno));
}

void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  fsync_path(from);
  std::filesystem::rename(from, to);
  const auto dir = to.has_parent_path() ? to.parent_path() : std::filesystem::path(".");
  fsync_path(dir);
}

}  // namespace mixbo
