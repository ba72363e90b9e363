#include "mixbo/par/multistart.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>

#include "mixbo/core/error.hpp"
#include "mixbo/par/team.hpp"

namespace mixbo {

namespace {
std::map<std::string, ProblemFactory>& registry() {
  static std::map<std::string, ProblemFactory> r;
  return r;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

void register_problem(const std::string& kind, ProblemFactory factory) {
  std::lock_guard lock(registry_mutex());
  registry()[kind] = std::move(factory);
}

std::unique_ptr<MultiStartProblem> make_problem(const std::string& kind, ByteReader& in) {
  ProblemFactory f;
  {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(kind);
    if (it == registry().end()) {
      std::string known;
      for (const auto& [k, _] : registry()) known += (known.empty() ? "" : ", ") + k;
      throw Error("unknown multi-start problem kind '" + kind +
                  "' (registered: " + (known.empty() ? "none" : known) +
                  "; a program that runs MPI workers calls register_builtin_problems() first)");
    }
    f = it->second;
  }
  return f(in);
}

std::vector<std::string> registered_problem_kinds() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> out;
  for (const auto& [k, _] : registry()) out.push_back(k);
  return out;
}

size_t best_start(const std::vector<StartResult>& results) {
  size_t best = results.size();
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (!r.error.empty() || !std::isfinite(r.value)) continue;
    if (best == results.size() || r.value < results[best].value) best = i;
  }
  if (best == results.size()) {
    std::string why = results.empty() ? "no starts" : results.front().error;
    throw NumericalError("every optimisation start failed (first: " + why + ")");
  }
  return best;
}

StartResult solve_start(const MultiStartProblem& problem, const Eigen::VectorXd& start) {
  try {
    return problem.solve(start);
  } catch (const NumericalError& e) {
    StartResult r;
    r.x = start;
    r.value = std::numeric_limits<double>::infinity();
    r.error = e.what();
    return r;
  }
}

std::string start_failure(const std::string& kind, long long task, int rank,
                          const std::string& what) {
  return "multi-start problem '" + kind + "': task " + std::to_string(task) + " failed on rank " +
         std::to_string(rank) + ": " + what;
}

std::vector<StartResult> SerialTeam::run(const MultiStartProblem& problem,
                                         const std::vector<Eigen::VectorXd>& starts) {
  std::vector<StartResult> out;
  out.reserve(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    try {
      out.push_back(solve_start(problem, starts[i]));
    } catch (const std::exception& e) {
      throw Error(start_failure(problem.kind(), static_cast<long long>(i), 0, e.what()));
    } catch (...) {
      throw Error(start_failure(problem.kind(), static_cast<long long>(i), 0, "unknown exception"));
    }
  }
  return out;
}

}  // namespace mixbo
