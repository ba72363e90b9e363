#include "mixbo/sim/mlp_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mixbo/core/error.hpp"

namespace mixbo {
namespace {

using nlohmann::json;

class Loader {
 public:
  explicit Loader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError("mlp simulator file " + file_.string() + ": " + what);
  }

  json read() const {
    std::ifstream in(file_);
    if (!in) fail("cannot open it");
    try {
      return json::parse(in);
    } catch (const json::exception& e) {
      fail(std::string("is not valid JSON (") + e.what() + ")");
    }
  }

  const json& member(const json& obj, const std::string& key, const std::string& where) const {
    if (!obj.is_object() || !obj.contains(key)) fail("missing '" + where + key + "'");
    return obj.at(key);
  }

  std::vector<std::string> strings(const json& j, const std::string& name) const {
    if (!j.is_array()) fail("'" + name + "' must be a list of strings");
    std::vector<std::string> out;
    for (const auto& v : j) {
      if (!v.is_string()) fail("'" + name + "' must be a list of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  // A {"shape": [...], "data": [...]} tensor; shape must match `want` exactly.
  std::vector<double> tensor(const json& t, const std::string& name,
                             const std::vector<long>& want) const {
    if (!t.is_object() || !t.contains("shape") || !t.contains("data"))
      fail("tensor '" + name + "' needs 'shape' and 'data'");
    std::vector<long> shape;
    for (const auto& d : t.at("shape")) {
      if (!d.is_number_integer() || d.get<long>() <= 0)
        fail("tensor '" + name + "' has a bad shape");
      shape.push_back(d.get<long>());
    }
    if (shape != want) {
      auto str = [](const std::vector<long>& s) {
        std::string o = "[";
        for (size_t i = 0; i < s.size(); ++i) {
          if (i) o += ',';
          o += std::to_string(s[i]);
        }
        return o + "]";
      };
      fail("tensor '" + name + "' has shape " + str(shape) + ", expected " + str(want));
    }
    long n = 1;
    for (long d : shape) n *= d;
    const auto& data = t.at("data");
    if (!data.is_array() || static_cast<long>(data.size()) != n)
      fail("tensor '" + name + "' holds " + std::to_string(data.is_array() ? data.size() : 0) +
           " numbers for shape of " + std::to_string(n));
    std::vector<double> out;
    out.reserve(static_cast<size_t>(n));
    for (const auto& v : data) {
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        fail("tensor '" + name + "' holds a non-finite or non-numeric value");
      out.push_back(v.get<double>());
    }
    return out;
  }

 private:
  std::filesystem::path file_;
};

Eigen::VectorXd to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// The weight and bias tensors of each layer, by layer index, in increasing index: layers.0,
// layers.3, ... (PyTorch Sequential numbering).
std::map<int, std::pair<const json*, const json*>> layer_tensors(const Loader& ld, const json& j) {
  const auto& wj = ld.member(j, "weights", "");
  if (!wj.is_object()) ld.fail("'weights' must be an object");
  std::map<int, std::pair<const json*, const json*>> by_index;
  for (const auto& [key, value] : wj.items()) {
    const auto dot = key.rfind('.');
    if (key.rfind("layers.", 0) != 0 || dot == std::string::npos || dot <= 7)
      ld.fail("unexpected weights entry '" + key + "'");
    int idx = -1;
    try {
      size_t used = 0;
      idx = std::stoi(key.substr(7, dot - 7), &used);
      if (used != dot - 7) idx = -1;
    } catch (const std::exception&) {
    }
    const std::string kind = key.substr(dot + 1);
    if (idx < 0 || (kind != "weight" && kind != "bias"))
      ld.fail("unexpected weights entry '" + key + "'");
    (kind == "weight" ? by_index[idx].first : by_index[idx].second) = &value;
  }
  return by_index;
}

// The metric names the network outputs: at least one, none twice.
std::vector<std::string> output_names(const Loader& ld, const json& j) {
  auto out = ld.strings(ld.member(j, "outputs", ""), "outputs");
  if (out.empty()) ld.fail("'outputs' is empty");
  if (std::set<std::string>(out.begin(), out.end()).size() != out.size())
    ld.fail("'outputs' repeats a name");
  return out;
}

}  // namespace

MlpSimulator::MlpSimulator(const std::filesystem::path& file) {
  const Loader ld(file);
  const json j = ld.read();
  const auto inputs = ld.strings(ld.member(j, "inputs_full_9", ""), "inputs_full_9");
  outputs_ = output_names(ld, j);
  n_inputs_ = static_cast<Eigen::Index>(inputs.size());
  const auto& mask_j = ld.member(j, "feature_mask", "");
  if (!mask_j.is_array() || mask_j.size() != inputs.size())
    ld.fail("'feature_mask' must hold one 0/1 per entry of inputs_full_9 (" +
            std::to_string(inputs.size()) + ")");
  for (Eigen::Index i = 0; i < n_inputs_; ++i) {
    const auto& m = mask_j[static_cast<size_t>(i)];
    if (!m.is_number_integer() || (m.get<int>() != 0 && m.get<int>() != 1))
      ld.fail("'feature_mask' entries must be 0 or 1");
    const std::string& name = inputs[static_cast<size_t>(i)];
    const bool used = m.get<int>() == 1;
    if (name.rfind("p_", 0) == 0 && name.size() > 2) {
      if (!used) ld.fail("input '" + name + "' (a proportion) is masked out");
      if (std::find(domains_.begin(), domains_.end(), name.substr(2)) != domains_.end())
        ld.fail("input '" + name + "' appears twice");
      domains_.push_back(name.substr(2));
      domain_index_.push_back(i);
    } else if (name == "model_size_M") {
      if (!used) ld.fail("input 'model_size_M' is masked out");
      size_index_ = i;
    } else if (name == "training_step") {
      if (!used) ld.fail("input 'training_step' is masked out");
      step_index_ = i;
    } else if (used) {
      ld.fail("input '" + name +
              "' is used by the network but mixbo cannot supply it (it supplies "
              "p_<domain>, model_size_M and training_step)");
    }
    if (used) kept_.push_back(i);
  }
  if (domains_.empty()) ld.fail("no proportion inputs ('p_<domain>') in inputs_full_9");
  if (size_index_ < 0 || step_index_ < 0)
    ld.fail("inputs_full_9 must contain 'model_size_M' and 'training_step'");

  const auto& ns = ld.member(j, "normalization_stats", "");
  const long ni = static_cast<long>(n_inputs_), no = static_cast<long>(outputs_.size());
  x_mean_ = to_vector(
      ld.tensor(ld.member(ns, "X_mean", "normalization_stats."), "X_mean (one per input)", {ni}));
  x_std_ = to_vector(
      ld.tensor(ld.member(ns, "X_std", "normalization_stats."), "X_std (one per input)", {ni}));
  y_mean_ = to_vector(
      ld.tensor(ld.member(ns, "y_mean", "normalization_stats."), "y_mean (one per output)", {no}));
  y_std_ = to_vector(
      ld.tensor(ld.member(ns, "y_std", "normalization_stats."), "y_std (one per output)", {no}));
  for (Eigen::Index i : kept_)
    if (!(x_std_[i] > 0))
      ld.fail("X_std of input '" + inputs[static_cast<size_t>(i)] + "' is not positive");
  if (!(y_std_.array() > 0).all()) ld.fail("y_std must be positive");

  const auto by_index = layer_tensors(ld, j);
  if (by_index.empty()) ld.fail("'weights' holds no layers");
  long in = static_cast<long>(kept_.size());
  for (const auto& [idx, wb] : by_index) {
    const std::string base = "layers." + std::to_string(idx);
    if (!wb.first || !wb.second) ld.fail("'" + base + "' needs both .weight and .bias");
    const auto& shape = wb.first->contains("shape") ? wb.first->at("shape") : json();
    if (!shape.is_array() || shape.size() != 2 || !shape[0].is_number_integer())
      ld.fail("tensor '" + base + ".weight' must be 2-D");
    const long out = shape[0].get<long>();
    const auto w = ld.tensor(*wb.first, base + ".weight", {out, in});
    const auto b = ld.tensor(*wb.second, base + ".bias", {out});
    Layer layer;
    layer.weight =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            w.data(), out, in);
    layer.bias = to_vector(b);
    layers_.push_back(std::move(layer));
    in = out;
  }
  if (in != no)
    ld.fail("the last layer has " + std::to_string(in) + " outputs but 'outputs' names " +
            std::to_string(no));
}

Eigen::VectorXd MlpSimulator::evaluate(const Eigen::VectorXd& w, double params,
                                       std::int64_t step) const {
  if (w.size() != static_cast<Eigen::Index>(domains_.size()))
    throw Error("mlp simulator: mixture has " + std::to_string(w.size()) + " proportions for " +
                std::to_string(domains_.size()) + " domains");
  Eigen::VectorXd x = x_mean_;  // unused inputs: any value, they are masked out
  for (size_t i = 0; i < domains_.size(); ++i)
    x[domain_index_[i]] = w[static_cast<Eigen::Index>(i)];
  x[size_index_] = params / 1e6;
  x[step_index_] = static_cast<double>(step);
  Eigen::VectorXd h(static_cast<Eigen::Index>(kept_.size()));
  for (size_t i = 0; i < kept_.size(); ++i)
    h[static_cast<Eigen::Index>(i)] = (x[kept_[i]] - x_mean_[kept_[i]]) / x_std_[kept_[i]];
  for (size_t l = 0; l < layers_.size(); ++l) {
    h = layers_[l].weight * h + layers_[l].bias;
    if (l + 1 < layers_.size()) h = h.cwiseMax(0.0);
  }
  return h.cwiseProduct(y_std_) + y_mean_;
}

MlpCampaignSimulator::MlpCampaignSimulator(const std::filesystem::path& file,
                                           const std::vector<std::string>& domains)
    : mlp_(file) {
  const auto& have = mlp_.domains();
  auto list = [](const std::vector<std::string>& v) {
    std::string o;
    for (const auto& s : v) {
      if (!o.empty()) o += ", ";
      o += s;
    }
    return o;
  };
  std::vector<std::string> a = domains, b = have;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b)
    throw ConfigError("mlp simulator " + file.string() + " simulates the domains " + list(have) +
                      "; the campaign's domains (" + list(domains) +
                      ") must be exactly these (space.domains)");
  for (const auto& d : domains)
    to_file_.push_back(std::find(have.begin(), have.end(), d) - have.begin());
}

Eigen::VectorXd MlpCampaignSimulator::evaluate(const Eigen::VectorXd& w, double params,
                                               std::int64_t step) const {
  if (w.size() != static_cast<Eigen::Index>(to_file_.size()))
    throw Error("mlp simulator: mixture has " + std::to_string(w.size()) + " proportions for " +
                std::to_string(to_file_.size()) + " domains");
  Eigen::VectorXd v(w.size());
  for (size_t i = 0; i < to_file_.size(); ++i) v[to_file_[i]] = w[static_cast<Eigen::Index>(i)];
  return mlp_.evaluate(v, params, step);
}

}  // namespace mixbo
