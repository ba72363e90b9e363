#include "mixbo/core/sibling_program.hpp"

#include <cstdlib>

namespace mixbo {

std::filesystem::path sibling_program(const std::string& name, const char* env) {
  if (const char* set = std::getenv(env); set && *set) return set;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir = self.parent_path(); !dir.empty(); dir = dir.parent_path()) {
      if (std::filesystem::is_regular_file(dir / name, ec)) return dir / name;
      if (dir == dir.parent_path() || dir.filename() == "build") break;
    }
  }
  return name;
}

}  // namespace mixbo
