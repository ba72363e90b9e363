#include "mixbo/loop/estimate_text.hpp"

#include <iomanip>
#include <sstream>

namespace mixbo {

namespace {
std::string where(const IterationRecord& rec) {
  return rec.rec_scale + "@" + std::to_string(rec.rec_steps);
}
}  // namespace

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
