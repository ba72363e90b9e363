#pragma once
// How every output (progress lines, `mixbo status`, JSON) states a recommendation's value: with
// the scale and steps it is the objective OF, and with an interval only when there is one. A
// baseline with nothing at the target yet says so rather than passing a cheap run off as the
// target's value.
#include <nlohmann/json.hpp>
#include <string>

#include "mixbo/io/archive.hpp"

namespace mixbo {

// "1B@19500 0.8878 [0.8682, 0.9074]", "1B@19500 0.8878 (one run, no interval)",
// "no estimate at 1B yet (70M@1000 3.7300)", or "no recommendation yet".
std::string estimate_text(const IterationRecord& rec, const std::string& target_scale);

// {"valid", "mean", "scale", "steps", "at_target", "interval", ["lo", "hi"]}; the mixture is
// added by the caller, which knows the domain names.
nlohmann::json estimate_json(const IterationRecord& rec);

// The seed noise the model read in the archive's last round with one (strategy.run_noise):
// "seed noise in the model: 0.21% of the loss per run, measured from 3 contrasts of repeated runs"
// (auto), "... declared" or "seed noise: none measured yet (no repeated run has finished)";
// "" where no round reported one (the option at 0, or a strategy without it).
std::string seed_noise_text(const Archive& a);
// {"sd": fraction, "measured": bool, "contrasts": n (measured only)}; null where the text is "".
nlohmann::json seed_noise_json(const Archive& a);

}  // namespace mixbo
