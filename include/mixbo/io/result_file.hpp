#pragma once
// The result file a training job writes (result.h5), easy to write from Python with h5py:
//   root attributes: schema (int, = 1), trial_id (string), status (string: "ok" | "partial" |
//   "failed"); datasets: steps (int64[T], strictly increasing checkpoints) and one float64[T]
//   per metric, named after the metric. A partial curve (a run killed early) is valid.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mixbo/core/error.hpp"

namespace mixbo {

inline constexpr int kResultSchema = 1;

struct ResultCurve {
  std::string trial_id;
  std::string status = "ok";
  std::vector<std::int64_t> steps;
  std::map<std::string, std::vector<double>> metrics;
};

// A result file that cannot be used; what() names the file and the problem.
class ResultError : public Error {
 public:
  using Error::Error;
};

struct ResultExpectations {
  std::string trial_id;              // must match the file's attribute
  std::vector<std::string> metrics;  // must all be present
  std::int64_t max_steps = 0;        // no checkpoint beyond it (0: no limit)
};

// Reads and validates: wrong trial id, missing metric, length mismatch, non-finite values,
// non-increasing steps, steps beyond the budget, truncated/corrupt file -> ResultError.
ResultCurve read_result(const std::filesystem::path& file, const ResultExpectations& expect);

// Writes atomically (a temporary file in the same folder, fsync, rename).
void write_result(const std::filesystem::path& file, const ResultCurve& curve);

}  // namespace mixbo
