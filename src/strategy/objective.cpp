#include "mixbo/strategy/objective.hpp"

#include "mixbo/core/error.hpp"

namespace mixbo {

std::vector<std::string> objective_metrics(const ObjectiveOptions& o) {
  std::vector<std::string> out;
  for (const auto& [name, w] : o.terms) out.push_back(name);
  return out;
}

double objective_value(const ObjectiveOptions& o, const std::map<std::string, double>& metrics) {
  double v = 0;
  for (const auto& [name, w] : o.terms) {
    const auto it = metrics.find(name);
    if (it == metrics.end()) throw Error("metric '" + name + "' is missing");
    v += w * it->second;
  }
  return o.minimize ? v : -v;
}

}  // namespace mixbo
