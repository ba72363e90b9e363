#include "mixbo/loop/estimate_text.hpp"

#include <cmath>
#include <iomanip>
#include <optional>
#include <sstream>

namespace mixbo {

namespace {
std::string where(const IterationRecord& rec) {
  return rec.rec_scale + "@" + std::to_string(rec.rec_steps);
}
// The last round's diagnostic `name` (gp_bo_model.cpp), if that round reported one.
std::optional<double> last_reported(const Archive& a, const std::string& name) {
  for (auto it = a.iterations.rbegin(); it != a.iterations.rend(); ++it) {
    const auto d = it->diagnostics.find("gp.run_noise");
    if (d == it->diagnostics.end() || std::isnan(d->second)) continue;
    const auto v = it->diagnostics.find(name);
    if (v == it->diagnostics.end() || std::isnan(v->second)) return std::nullopt;
    return v->second;
  }
  return std::nullopt;
}
}  // namespace

std::string seed_noise_text(const Archive& a) {
  const auto sd = last_reported(a, "gp.run_noise");
  if (!sd) return "";
  const auto contrasts = last_reported(a, "gp.run_noise_contrasts");
  if (contrasts && *contrasts == 0)
    return "seed noise: none measured yet (no repeated run has finished)";
  if (const auto exact = last_reported(a, "gp.run_noise_exact"); exact && *exact == 1)
    return "seed noise: none (a repeated run agreed with its run bit for bit: the objective does "
           "not depend on the seed, and no more repeats are made)";
  std::ostringstream o;
  o << "seed noise in the model: " << std::fixed << std::setprecision(2) << 100 * *sd
    << "% of the loss per run, ";
  if (contrasts)
    o << "measured from " << static_cast<long>(*contrasts) << " contrast"
      << (*contrasts == 1 ? "" : "s") << " of repeated runs";
  else
    o << "declared";
  return o.str();
}

nlohmann::json seed_noise_json(const Archive& a) {
  const auto sd = last_reported(a, "gp.run_noise");
  if (!sd) return nullptr;
  const auto contrasts = last_reported(a, "gp.run_noise_contrasts");
  nlohmann::json j = {{"sd", *sd}, {"measured", contrasts.has_value()}};
  if (contrasts) j["contrasts"] = static_cast<long>(*contrasts);
  if (const auto exact = last_reported(a, "gp.run_noise_exact")) j["exact"] = *exact == 1;
  return j;
}

std::string estimate_text(const IterationRecord& rec, const std::string& target_scale) {
  if (!rec.rec_valid) return "no recommendation yet";
  std::ostringstream o;
  o << std::fixed << std::setprecision(4);
  if (rec.rec_scale.empty()) {  // an archive written before values were labelled
    o << rec.rec_mean << " (scale not recorded)";
  } else if (!rec.rec_at_target) {
    o << "no estimate at " << target_scale << " yet (" << where(rec) << " " << rec.rec_mean << ")";
  } else {
    o << where(rec) << " " << rec.rec_mean;
    if (rec.rec_interval)
      o << " [" << rec.rec_lo << ", " << rec.rec_hi << "]";
    else
      o << " (one run, no interval)";
  }
  return o.str();
}

nlohmann::json estimate_json(const IterationRecord& rec) {
  nlohmann::json j;
  j["valid"] = rec.rec_valid;
  if (!rec.rec_valid) return j;
  j["mean"] = rec.rec_mean;
  j["scale"] = rec.rec_scale;
  j["steps"] = rec.rec_steps;
  j["at_target"] = rec.rec_at_target;
  j["interval"] = rec.rec_interval;
  if (rec.rec_interval) {
    j["lo"] = rec.rec_lo;
    j["hi"] = rec.rec_hi;
  }
  return j;
}

}  // namespace mixbo
