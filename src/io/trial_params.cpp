#include "mixbo/io/trial_params.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/core/exact_number.hpp"
#include "mixbo/core/text.hpp"
#include "mixbo/io/durable_file.hpp"

namespace mixbo {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + exact_number(v[i]);
  return s;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

// Names and paths may hold any character but newline and comma (lists) -- checked on write.
void check_value(const std::string& key, const std::string& v) {
  if (v.find('\n') != std::string::npos || v.find('\r') != std::string::npos)
    throw Error("trial params: value of '" + key + "' contains a newline");
}

}  // namespace

void write_params(const std::filesystem::path& file, const TrialParams& p) {
  for (const auto& d : p.domains)
    if (d.find(',') != std::string::npos)
      throw Error("trial params: domain name '" + d + "' contains a comma");
  std::ostringstream o;
  o << "# mixbo trial parameters: key = value, lists comma-separated\n";
  auto kv = [&](const std::string& k, const std::string& v) {
    check_value(k, v);
    o << k << " = " << v << "\n";
  };
  kv("trial_id", p.trial_id);
  kv("campaign", p.campaign);
  kv("instance", p.instance);
  kv("attempt", std::to_string(p.attempt));
  kv("domains", join(p.domains));
  kv("mixture", join(p.mixture));
  kv("scale", p.scale);
  kv("scale_params", exact_number(p.scale_params));
  kv("steps", std::to_string(p.steps));
  kv("checkpoint_interval", std::to_string(p.checkpoint_interval));
  kv("seed", std::to_string(p.seed));
  kv("trial_dir", p.trial_dir.string());
  kv("result", p.result.string());
  kv("metrics", join(p.metrics));
  kv("simulator", p.simulator);
  kv("simulator_file", p.simulator_file.string());
  kv("simulator_seed", std::to_string(p.simulator_seed));
  kv("simulator_target_params", exact_number(p.simulator_target_params));
  kv("noise", exact_number(p.noise));
  kv("run_noise", exact_number(p.run_noise));
  kv("sleep_per_cost", exact_number(p.sleep_per_cost));
  kv("cost", exact_number(p.cost));
  write_text_atomic(file, o.str());
}

TrialParams read_params(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(file.string() + ": cannot open trial params");
  std::map<std::string, std::string> kv;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // written on Windows
    if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw Error(file.string() + ": malformed line '" + line + "' (expected key = value)");
    const std::string key = trim(line.substr(0, eq));
    if (!kv.emplace(key, trim(line.substr(eq + 1))).second)
      throw Error(file.string() + ": key '" + key + "' is given twice");
  }
  auto get = [&](const std::string& k) -> const std::string& {
    auto it = kv.find(k);
    if (it == kv.end()) throw Error(file.string() + ": key '" + k + "' is missing");
    return it->second;
  };
  auto to_int = [&](const std::string& k) {
    long long v = 0;
    const auto& s = get(k);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      throw Error(file.string() + ": key '" + k + "' is not an integer: '" + s + "'");
    return v;
  };
  auto to_double = [&](const std::string& k, const std::string& s) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || !std::isfinite(v))
      throw Error(file.string() + ": key '" + k + "' has malformed number '" + s + "'");
    return v;
  };
  TrialParams p;
  p.trial_id = get("trial_id");
  p.campaign = get("campaign");
  if (const auto it = kv.find("instance"); it != kv.end()) p.instance = it->second;
  p.attempt = static_cast<int>(to_int("attempt"));
  p.domains = split_commas(get("domains"));
  for (const auto& s : split_commas(get("mixture"))) p.mixture.push_back(to_double("mixture", s));
  if (p.mixture.size() != p.domains.size())
    throw Error(file.string() + ": mixture has " + std::to_string(p.mixture.size()) +
                " values for " + std::to_string(p.domains.size()) + " domains");
  p.scale = get("scale");
  p.scale_params = to_double("scale_params", get("scale_params"));
  p.steps = to_int("steps");
  p.checkpoint_interval = to_int("checkpoint_interval");
  p.seed = static_cast<std::uint64_t>(to_int("seed"));
  p.trial_dir = get("trial_dir");
  p.result = get("result");
  p.metrics = split_commas(get("metrics"));
  p.simulator = get("simulator");
  p.simulator_file = get("simulator_file");
  // Absent in params written before the law-family simulator existed.
  if (kv.count("simulator_seed"))
    p.simulator_seed = static_cast<std::uint64_t>(to_int("simulator_seed"));
  if (kv.count("simulator_target_params"))
    p.simulator_target_params =
        to_double("simulator_target_params", get("simulator_target_params"));
  p.noise = to_double("noise", get("noise"));
  // Absent in params written before the per-run noise existed.
  if (kv.count("run_noise")) p.run_noise = to_double("run_noise", get("run_noise"));
  p.sleep_per_cost = to_double("sleep_per_cost", get("sleep_per_cost"));
  p.cost = to_double("cost", get("cost"));
  return p;
}

std::map<std::string, std::string> params_environment(const TrialParams& p,
                                                      const std::filesystem::path& params_file) {
  return {{"MIXBO_TRIAL_ID", p.trial_id},
          {"MIXBO_TRIAL_DIR", p.trial_dir.string()},
          {"MIXBO_PARAMS", params_file.string()},
          {"MIXBO_RESULT", p.result.string()},
          {"MIXBO_SCALE", p.scale},
          {"MIXBO_SCALE_PARAMS", exact_number(p.scale_params)},
          {"MIXBO_STEPS", std::to_string(p.steps)},
          {"MIXBO_CHECKPOINT_INTERVAL", std::to_string(p.checkpoint_interval)},
          {"MIXBO_SEED", std::to_string(p.seed)},
          {"MIXBO_DOMAINS", join(p.domains)},
          {"MIXBO_MIXTURE", join(p.mixture)},
          {"MIXBO_METRICS", join(p.metrics)}};
}

}  // namespace mixbo
