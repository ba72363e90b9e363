#include "mixbo/loop/resume_check.hpp"

#include <algorithm>
#include <cmath>

#include "mixbo/core/error.hpp"
#include "mixbo/core/exact_number.hpp"

namespace mixbo {

namespace {

std::string list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ", ") + exact_number(x);
  return s;
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::abs(a[i] - b[i]) > 1e-12 * std::max({1.0, std::abs(a[i]), std::abs(b[i])}))
      return false;
  return true;
}

}  // namespace

std::string objective_normal_form(const ObjectiveOptions& o) {
  auto terms = o.terms;
  std::sort(terms.begin(), terms.end());
  std::string s;
  for (const auto& [name, w] : terms) s += (s.empty() ? "" : " + ") + exact_number(w) + "*" + name;
  return s;
}

void check_resume(const Archive& a, const CampaignConfig& c, const std::filesystem::path& path) {
  const std::string where = c.file.empty() ? "flags" : c.file.string();
  auto refuse = [&](const std::string& key, const std::string& now, const std::string& then,
                    const std::string& why = "resuming would relabel its runs") {
    throw ConfigError(where + ": key '" + key + "' is '" + now + "' but the campaign archive " +
                      path.string() + " recorded '" + then + "': " + why +
                      ". Restore the key, or use another campaign.workdir for a new campaign "
                      "(README: Resuming a campaign)");
  };
  // A job submitted just before a crash is found again by its name, which holds the campaign's
  // name: under another name it would be submitted a second time into the same trial folder.
  if (!a.campaign.empty() && c.name != a.campaign)
    refuse("campaign.name", c.name, a.campaign,
           "its jobs are named after it, and a renamed campaign would not find them");
  const auto& sp = c.space;
  const auto& st = a.space;
  const auto& sx = sp.simplex();
  if (sx.names() != st.domains) refuse("space.domains", list(sx.names()), list(st.domains));
  const std::vector<double> lower(sx.lower().data(), sx.lower().data() + sx.lower().size());
  const std::vector<double> upper(sx.upper().data(), sx.upper().data() + sx.upper().size());
  if (!same(lower, st.lower)) refuse("space.lower", list(lower), list(st.lower));
  if (!same(upper, st.upper)) refuse("space.upper", list(upper), list(st.upper));
  std::vector<std::string> names;
  std::vector<double> params, costs;
  for (const auto& s : sp.scales().scales()) {
    names.push_back(s.name);
    params.push_back(s.params);
    costs.push_back(s.step_cost);
  }
  if (names != st.scale_names) refuse("scales.names", list(names), list(st.scale_names));
  if (!same(params, st.scale_params)) refuse("scales.params", list(params), list(st.scale_params));
  if (sp.scales().target_scale().name != st.target_scale)
    refuse("scales.target", sp.scales().target_scale().name, st.target_scale);
  if (!same(costs, st.scale_step_costs))
    refuse("scales.step_costs", list(costs), list(st.scale_step_costs));
  if (sp.steps().interval() != st.step_interval)
    refuse("steps.interval", std::to_string(sp.steps().interval()),
           std::to_string(st.step_interval));
  if (sp.steps().max_steps() != st.max_steps)
    refuse("steps.max", std::to_string(sp.steps().max_steps()), std::to_string(st.max_steps));
  // Archives written before the objective was recorded are checked by metric names only.
  if (!a.objective.empty() && objective_normal_form(c.objective) != a.objective)
    refuse("objective.metric", objective_normal_form(c.objective), a.objective);
  const std::string direction = c.objective.minimize ? "minimize" : "maximize";
  if (!a.direction.empty() && direction != a.direction)
    refuse("objective.direction", direction, a.direction);
}

}  // namespace mixbo
