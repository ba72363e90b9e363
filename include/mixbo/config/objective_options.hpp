#pragma once
// The [objective] section: what a run's metrics are reduced to. Seen by the modules that compute
// the objective (strategy, sim, loop, io), not by how runs are executed.
#include <string>
#include <utility>
#include <vector>

namespace mixbo {

// A weighted sum of named metrics reported by a run (often one metric).
struct ObjectiveOptions {
  std::vector<std::pair<std::string, double>> terms;  // metric name, weight
  bool minimize = true;
  std::string text;  // as written, for display

  // ConfigError "key 'objective.metric' ..." when a term is empty, repeated or has a zero or
  // non-finite weight.
  void validate() const;
};

}  // namespace mixbo
