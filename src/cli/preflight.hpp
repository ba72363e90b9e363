#pragma once
// What `mixbo validate` checks beyond the campaign file's syntax, and `mixbo run` before it
// touches the workdir: everything a run builds (strategy and GP kernel, simulator, a rendered job
// script) and every file it needs (the component names were checked on loading, components.hpp), so
// that a campaign that validates does not fail at run time.
#include <string>
#include <vector>

#include "mixbo/config/campaign_config.hpp"

namespace mixbo::cli {

// Throws ConfigError naming the key on anything that `mixbo run` would reject. Returns notes
// worth printing (e.g. a relative script path in job.command).
std::vector<std::string> preflight(const CampaignConfig& c);

}  // namespace mixbo::cli
