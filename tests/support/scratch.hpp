#pragma once
// Scratch folders and file reads for tests. One definition for every test file: the suites are
// compiled in unity batches, where two files' private helpers of the same name would collide.
//
// Every scratch folder lives under a root of its own process, <tmp>/mixbo-<suite>-<pid>, and the
// roots go when the process ends with every test passed: a test suite run again and again (CTest
// runs each test case as its own process, about 400 of them) must not leave thousands of folders
// in /tmp. A failed test keeps them for a look, and so does MIXBO_KEEP_SCRATCH=1.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mixbo::test {

// The roots this process made, removed at its exit (see above).
class ScratchRoots {
 public:
  static ScratchRoots& instance() {
    static ScratchRoots r;
    return r;
  }
  void add(const std::filesystem::path& root) {
    const std::lock_guard<std::mutex> lock(m_);
    roots_.insert(root);
  }
  ~ScratchRoots() {
    // UnitTest is a function-local static that the TEST macros' registration constructs
    // before main, so it is destroyed after this object (made during a test) and can still be
    // asked here; a process that ran no test (an MPI rank's helper) has passed. A forked child
    // that exits normally runs this too: only the process that made the roots removes them.
    const char* keep = std::getenv("MIXBO_KEEP_SCRATCH");
    if (::getpid() != owner_ || (keep && std::string(keep) == "1") ||
        ::testing::UnitTest::GetInstance()->Failed())
      return;
    for (const auto& r : roots_) {
      std::error_code ec;
      std::filesystem::remove_all(r, ec);
    }
  }

 private:
  std::mutex m_;
  std::set<std::filesystem::path> roots_;
  pid_t owner_ = ::getpid();
};

// <tmp>/mixbo-<suite>-<pid>/<name>, emptied and created (without a name: the root itself).
inline std::filesystem::path scratch_dir(const std::string& suite, const std::string& name = "") {
  auto d = std::filesystem::temp_directory_path() /
           ("mixbo-" + suite + "-" + std::to_string(::getpid()));
  ScratchRoots::instance().add(d);
  if (!name.empty()) {
    d /= name;
    std::filesystem::remove_all(d);
  }
  std::filesystem::create_directories(d);
  return d;
}

// A fresh folder of its own (mkdtemp), removed with the object whatever the outcome.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "mixbo-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A whole file as text ("" when it cannot be opened).
inline std::string file_text(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mixbo::test
