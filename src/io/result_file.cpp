#include "mixbo/io/result_file.hpp"

#include <hdf5.h>

#include <cmath>

#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/hdf5.hpp"

namespace mixbo {

namespace {
[[noreturn]] void bad(const std::filesystem::path& f, const std::string& what) {
  throw ResultError(f.string() + ": " + what);
}
}  // namespace

ResultCurve read_result(const std::filesystem::path& file, const ResultExpectations& expect) {
  ResultCurve c;
  try {
    h5::Handle f = h5::open_file(file);
    const auto schema = h5::read_attr_int(f.id(), "schema");
    if (schema != kResultSchema)
      bad(file, "schema " + std::to_string(schema) + " is not supported (expected " +
                    std::to_string(kResultSchema) + ")");
    c.trial_id = h5::read_attr_string(f.id(), "trial_id");
    c.status = h5::read_attr_string(f.id(), "status");
    c.steps = h5::read_ints(f.id(), "steps");
    for (const auto& m : expect.metrics) {
      if (!h5::exists(f.id(), m)) bad(file, "metric '" + m + "' is missing");
      c.metrics[m] = h5::read_doubles(f.id(), m);
    }
  } catch (const ResultError&) {
    throw;
  } catch (const Error& e) {
    throw ResultError(file.string() + ": unreadable result file: " + e.what());
  }
  if (!expect.trial_id.empty() && c.trial_id != expect.trial_id)
    bad(file, "trial_id is '" + c.trial_id + "', expected '" + expect.trial_id + "'");
  if (c.status != "ok" && c.status != "partial" && c.status != "failed")
    bad(file, "status '" + c.status + "' is not ok, partial or failed");
  for (size_t i = 0; i < c.steps.size(); ++i) {
    if (c.steps[i] <= 0) bad(file, "step " + std::to_string(c.steps[i]) + " is not positive");
    if (i > 0 && c.steps[i] <= c.steps[i - 1])
      bad(file, "steps are not strictly increasing at index " + std::to_string(i));
  }
  if (expect.max_steps > 0 && !c.steps.empty() && c.steps.back() > expect.max_steps)
    bad(file, "step " + std::to_string(c.steps.back()) + " is beyond the run's budget of " +
                  std::to_string(expect.max_steps));
  for (const auto& [name, v] : c.metrics) {
    if (v.size() != c.steps.size())
      bad(file, "metric '" + name + "' has " + std::to_string(v.size()) + " values for " +
                    std::to_string(c.steps.size()) + " steps");
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        bad(file, "metric '" + name + "' is not finite at step " + std::to_string(c.steps[i]));
  }
  return c;
}

void write_result(const std::filesystem::path& file, const ResultCurve& curve) {
  replace_file(file, [&](const std::filesystem::path& tmp) {
    h5::write_file(tmp, [&](h5::hid_t f) {
      h5::write_attr(f, "schema", static_cast<std::int64_t>(kResultSchema));
      h5::write_attr(f, "trial_id", curve.trial_id);
      h5::write_attr(f, "status", curve.status);
      h5::write_ints(f, "steps", curve.steps);
      for (const auto& [name, v] : curve.metrics) h5::write_doubles(f, name, v);
    });
  });
}

}  // namespace mixbo
