#include "mixbo/exec/executor.hpp"

namespace mixbo {

std::vector<std::string> Executor::submit_many(const std::vector<JobRequest>& jobs) {
  std::vector<std::string> ids;
  ids.reserve(jobs.size());
  for (const auto& j : jobs) ids.push_back(submit(j));
  return ids;
}

}  // namespace mixbo
