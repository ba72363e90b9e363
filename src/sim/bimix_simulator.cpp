#include "mixbo/sim/bimix_simulator.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>

#include "mixbo/core/error.hpp"
#include "mixbo/core/splitmix.hpp"
#include "mixbo/core/text.hpp"

namespace mixbo {
namespace {

// The canonical SlimPajama name of a domain, or "" for any other name.
std::string canonical(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {
      {"wikipedia", "Wikipedia"}, {"wiki", "Wikipedia"}, {"stackexchange", "StackExchange"},
      {"github", "Github"},       {"code", "Github"},    {"arxiv", "ArXiv"},
      {"book", "Book"},           {"books", "Book"},     {"commoncrawl", "CommonCrawl"},
      {"cc", "CommonCrawl"},      {"c4", "C4"}};
  const auto it = aliases.find(to_lower(name));
  return it == aliases.end() ? "" : it->second;
}

// Coefficients of the SlimPajama domains. E, M, A, C were solved (B = 1, alpha = 0.3, with the
// shape constants of the header) from four anchors per domain read off the paper's MLP simulator
// (arXiv 2503.21023; ../shared/data/paper-sim) at the uniform 5-domain mixture: its loss at 1B
// and 19,500 steps, the drop from 1,000 to 19,500 steps at 1B, the drop from 20M to 1B at 19,500
// steps, and the drop when the domain's own share goes from 0.2 to 0.8. So the levels and
// sensitivities are the paper's; the functional form is BiMix's. CommonCrawl and C4 (not in the
// MLP's training mixtures) have coefficients in the same ranges. Shares: SlimPajama token
// percentages (Soboleva et al. 2023).
const std::map<std::string, BimixDomainLaw>& slimpajama() {
  static const std::map<std::string, BimixDomainLaw> laws = {
      {"Wikipedia", {0.219, 0.163, 0.536, 0.3, 1.0, 0.710, 3.8}},
      {"StackExchange", {0.492, 0.111, 0.320, 0.3, 1.0, 0.475, 3.3}},
      {"Github", {0.196, 0.067, 0.278, 0.3, 1.0, 0.778, 5.2}},
      {"ArXiv", {0.886, 0.126, 0.412, 0.3, 1.0, 0.620, 4.6}},
      {"Book", {1.126, 0.102, 0.788, 0.3, 1.0, 1.145, 4.2}},
      {"CommonCrawl", {1.300, 0.150, 0.700, 0.3, 1.0, 0.900, 52.2}},
      {"C4", {1.000, 0.140, 0.600, 0.3, 1.0, 0.850, 26.7}},
  };
  return laws;
}

// Transfer T[to][from] between SlimPajama domains: judgement from their content (code and
// technical Q&A share vocabulary, ArXiv math helps StackExchange, books and encyclopaedic prose
// help each other, web text helps everything a little). Pairs not listed: 0.1.
double slimpajama_transfer(const std::string& to, const std::string& from) {
  static const std::map<std::pair<std::string, std::string>, double> t = {
      {{"Wikipedia", "StackExchange"}, 0.15},
      {{"Wikipedia", "Github"}, 0.05},
      {{"Wikipedia", "ArXiv"}, 0.20},
      {{"Wikipedia", "Book"}, 0.40},
      {{"StackExchange", "Wikipedia"}, 0.15},
      {{"StackExchange", "Github"}, 0.35},
      {{"StackExchange", "ArXiv"}, 0.30},
      {{"StackExchange", "Book"}, 0.10},
      {{"Github", "Wikipedia"}, 0.05},
      {{"Github", "StackExchange"}, 0.30},
      {{"Github", "ArXiv"}, 0.10},
      {{"Github", "Book"}, 0.02},
      {{"ArXiv", "Wikipedia"}, 0.25},
      {{"ArXiv", "StackExchange"}, 0.20},
      {{"ArXiv", "Github"}, 0.10},
      {{"ArXiv", "Book"}, 0.15},
      {{"Book", "Wikipedia"}, 0.35},
      {{"Book", "StackExchange"}, 0.05},
      {{"Book", "Github"}, 0.02},
      {{"Book", "ArXiv"}, 0.10},
      {{"Wikipedia", "CommonCrawl"}, 0.35},
      {{"Book", "CommonCrawl"}, 0.30},
      {{"Wikipedia", "C4"}, 0.30},
      {{"Book", "C4"}, 0.25},
      {{"CommonCrawl", "C4"}, 0.60},
      {{"C4", "CommonCrawl"}, 0.60},
      {{"CommonCrawl", "Wikipedia"}, 0.30},
      {{"C4", "Wikipedia"}, 0.30},
      {{"CommonCrawl", "Book"}, 0.25},
      {{"C4", "Book"}, 0.20},
  };
  const auto it = t.find({to, from});
  return it == t.end() ? 0.1 : it->second;
}

// A reproducible number in [0, 1) from a name and a salt (FNV-1a, then the splitmix64
// finaliser), so unknown domains get the same coefficients on every machine and run.
double hash_unit(const std::string& text, std::uint64_t salt) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : to_lower(text)) h = (h ^ c) * 0x100000001b3ULL;
  const std::uint64_t z = mix_bits(h + salt * kGoldenGamma);
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

double in_range(const std::string& text, std::uint64_t salt, double lo, double hi) {
  return lo + (hi - lo) * hash_unit(text, salt);
}

// Coefficients for a name we know nothing about: the ranges the SlimPajama domains span.
BimixDomainLaw hashed_law(const std::string& name) {
  BimixDomainLaw l;
  l.E = in_range(name, 1, 0.2, 1.1);
  l.M = in_range(name, 2, 0.07, 0.16);
  l.A = in_range(name, 3, 0.28, 0.8);
  l.alpha = 0.3;
  l.B = 1.0;
  l.C = in_range(name, 4, 0.45, 1.15);
  l.share = in_range(name, 5, 2.0, 6.0);
  return l;
}

}  // namespace

BimixSimulator::BimixSimulator(std::vector<std::string> domains) : domains_(std::move(domains)) {
  const auto k = static_cast<Eigen::Index>(domains_.size());
  if (k == 0) throw ConfigError("bimix simulator: the campaign has no domains");
  std::vector<std::string> canon;
  for (const auto& d : domains_) {
    const auto c = canonical(d);
    if (!c.empty() && std::find(canon.begin(), canon.end(), c) != canon.end())
      throw ConfigError("bimix simulator: domains '" + d + "' and another name both mean " + c);
    canon.push_back(c);
    laws_.push_back(c.empty() ? hashed_law(d) : slimpajama().at(c));
  }
  transfer_.resize(k, k);
  for (Eigen::Index j = 0; j < k; ++j)
    for (Eigen::Index i = 0; i < k; ++i) {
      const auto sj = static_cast<size_t>(j), si = static_cast<size_t>(i);
      if (i == j)
        transfer_(j, i) = 1.0;
      else if (!canon[sj].empty() && !canon[si].empty())
        transfer_(j, i) = slimpajama_transfer(canon[sj], canon[si]);
      else
        transfer_(j, i) =
            in_range(to_lower(domains_[sj]) + "<-" + to_lower(domains_[si]), 6, 0.05, 0.35);
    }
  natural_.resize(k);
  for (Eigen::Index i = 0; i < k; ++i) natural_[i] = laws_[static_cast<size_t>(i)].share;
  natural_ /= natural_.sum();
}

std::vector<std::string> BimixSimulator::metrics() const {
  std::vector<std::string> m;
  for (const auto& d : domains_) m.push_back(d + "_CE");
  m.push_back("train_CE");
  return m;
}

Eigen::VectorXd BimixSimulator::evaluate(const Eigen::VectorXd& w, double params,
                                         std::int64_t step) const {
  const auto k = static_cast<Eigen::Index>(domains_.size());
  if (w.size() != k)
    throw Error("bimix simulator: mixture has " + std::to_string(w.size()) + " proportions for " +
                std::to_string(k) + " domains");
  if (!(params > 0) || step <= 0)
    throw Error("bimix simulator: model size and step must be positive");
  const double n = params / 1e9, s = static_cast<double>(step) / 1000.0;
  // Clamp tiny negative rounding from projections; KL treats 0 * log 0 as 0.
  const Eigen::VectorXd p = w.cwiseMax(0.0);
  double kl = 0;
  for (Eigen::Index i = 0; i < k; ++i)
    if (p[i] > 0) kl += p[i] * std::log(p[i] / natural_[i]);
  const double repetition = kPenalty * std::pow(n, kKappa) * kl;
  const Eigen::VectorXd r = transfer_ * p;
  Eigen::VectorXd out(k + 1);
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& l = laws_[static_cast<size_t>(j)];
    out[j] =
        l.E + l.M * std::pow(n, -kGamma) +
        l.A * std::pow(n, -kEta) * std::pow(r[j], -l.alpha) * (l.B * std::pow(s, -kBeta) + l.C) +
        repetition;
  }
  out[k] = p.dot(out.head(k)) / p.sum();
  return out;
}

}  // namespace mixbo
