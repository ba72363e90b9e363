#include "mixbo/loop/isolated_result.hpp"

#include <string>
#include <vector>

#include "mixbo/core/sibling_program.hpp"
#include "mixbo/core/text.hpp"
#include "mixbo/exec/subprocess.hpp"

namespace mixbo {

ResultCurve read_result_isolated(const std::filesystem::path& file,
                                 const ResultExpectations& expect, double timeout_seconds) {
  std::vector<std::string> argv = {sibling_program("mixbo", "MIXBO_PROGRAM").string(),
                                   "check-result", file.string(), "--max-steps",
                                   std::to_string(expect.max_steps)};
  if (!expect.trial_id.empty()) argv.insert(argv.end(), {"--trial-id", expect.trial_id});
  std::string metrics;
  for (const auto& m : expect.metrics) metrics += (metrics.empty() ? "" : ",") + m;
  if (!metrics.empty()) argv.insert(argv.end(), {"--metrics", metrics});
  const ProcessResult r = run_process(argv, timeout_seconds);
  // Exit 2 is a usage error: not this file's fault but a checker that does not know these
  // arguments (another mixbo found on PATH). Either way, read it here as before.
  if (r.not_started || (!r.timed_out && r.signal == 0 && r.exit_code == 2))
    return read_result(file, expect);
  if (r.timed_out)
    throw ResultError(file.string() + ": reading it did not finish in " +
                      std::to_string(static_cast<int>(timeout_seconds)) +
                      " s (libhdf5 loops on some damaged files)");
  if (r.signal != 0)
    throw ResultError(file.string() + ": reading it crashed the reader (signal " +
                      std::to_string(r.signal) + "; libhdf5 fails so on some damaged files)");
  if (r.exit_code != 0) {
    // The checker's own words: "mixbo check-result: <file>: <reason>".
    std::string reason = trim(r.err);
    if (const auto nl = reason.rfind('\n'); nl != std::string::npos) reason.erase(0, nl + 1);
    static const std::string prefix = "mixbo check-result: ";
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    throw ResultError(reason.empty() ? file.string() + ": mixbo check-result exited with " +
                                           std::to_string(r.exit_code)
                                     : reason);
  }
  return read_result(file, expect);
}

}  // namespace mixbo
