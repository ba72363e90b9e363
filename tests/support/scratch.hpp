#pragma once
// Scratch folders and file reads for tests. One definition for every test file: the suites are
// compiled in unity batches, where two files' private helpers of the same name would collide.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mixbo::test {

// <tmp>/mixbo-<suite>-<pid>/<name>, emptied and created: one per test, per process (CTest runs
// each test case as its own process, so concurrent tests never share one).
inline std::filesystem::path scratch_dir(const std::string& suite, const std::string& name = "") {
  auto d = std::filesystem::temp_directory_path() /
           ("mixbo-" + suite + "-" + std::to_string(::getpid()));
  if (!name.empty()) {
    d /= name;
    std::filesystem::remove_all(d);
  }
  std::filesystem::create_directories(d);
  return d;
}

// A whole file as text ("" when it cannot be opened).
inline std::string file_text(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mixbo::test
