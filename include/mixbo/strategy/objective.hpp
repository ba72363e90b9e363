#pragma once
// The campaign objective from a run's metrics: a weighted sum, oriented so lower is better.
#include <map>
#include <string>
#include <vector>

#include "mixbo/config/objective_options.hpp"

namespace mixbo {

// Metric names the objective needs from a result file.
std::vector<std::string> objective_metrics(const ObjectiveOptions& o);
// sum_i weight_i * metric_i, negated when the direction is maximize. Throws Error naming the
// metric when one is missing.
double objective_value(const ObjectiveOptions& o, const std::map<std::string, double>& metrics);

}  // namespace mixbo
