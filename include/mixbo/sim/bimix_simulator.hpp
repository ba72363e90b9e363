#pragma once
// The built-in simulated training run ("bimix"): a parametric multi-scale, multi-step law that
// needs no data file. For validation domain j, a model of N parameters trained s steps on
// mixture w reaches
//
//   L_j = E_j + M_j (N/1e9)^-gamma                       irreducible + model-size term
//       + A_j (N/1e9)^-eta r_j^-alpha_j (B_j (s/1000)^-beta + C_j)   BiMix term (Ge et al. 2024)
//       + P (N/1e9)^kappa KL(w || u)                      data-repetition term
//
// where r_j = sum_i T_ji w_i is the effective proportion of domain j (T_jj = 1; T_ji < 1 is the
// transfer of domain i's tokens to domain j, e.g. code helps technical Q&A), and u is the
// natural token distribution of the domains (their unique-data sizes). The BiMix term alone
// puts all mass on the evaluated domain; the KL term (a mixture far from the natural
// distribution repeats its over-sampled domains, and larger models are hurt more by repetition,
// cf. Muennighoff et al. 2023) pulls it back, so the optimum is interior and moves with model
// size and with steps: small-scale optima are informative but not exact.
//
// Metrics: "<domain>_CE" for each domain, and "train_CE" = sum_j w_j L_j (the loss on the
// training mixture itself). Coefficients of the SlimPajama domain names (Wikipedia,
// StackExchange, Github, ArXiv, Book; CommonCrawl and C4 as well) are fixed in the source (see
// bimix_simulator.cpp for where they come from); any other name gets coefficients drawn
// deterministically from a hash of the name, in the same ranges.
#include <string>
#include <vector>

#include "mixbo/sim/simulator.hpp"

namespace mixbo {

struct BimixDomainLaw {
  double E = 0, M = 0, A = 0, alpha = 0, B = 0, C = 0;
  double share = 0;  // natural (unique-data) token share, before normalisation
};

class BimixSimulator : public Simulator {
 public:
  explicit BimixSimulator(std::vector<std::string> domains);

  std::vector<std::string> metrics() const override;
  Eigen::VectorXd evaluate(const Eigen::VectorXd& w, double params,
                           std::int64_t step) const override;

  // The per-domain coefficients and the transfer matrix (rows: evaluated domain), for tests
  // and documentation.
  const std::vector<BimixDomainLaw>& laws() const { return laws_; }
  const Eigen::MatrixXd& transfer() const { return transfer_; }

  // Shape constants shared by every domain.
  static constexpr double kGamma = 0.3, kEta = 0.1, kBeta = 0.5, kPenalty = 0.05, kKappa = 0.3;

 private:
  std::vector<std::string> domains_;
  std::vector<BimixDomainLaw> laws_;
  Eigen::MatrixXd transfer_;
  Eigen::VectorXd natural_;  // u, normalised over the campaign's domains
};

}  // namespace mixbo
