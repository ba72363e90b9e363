#pragma once
// A seeded family of synthetic mixing-law objectives (`[simulator] type = law-family`,
// `seed = N`), for checking decisions on objectives the project was not tuned on. Member N of
// the family, for the campaign's k domains, has one metric "loss":
//
//   L(w, N_params, s) = E + A (N/N_t)^-a + B (s/S)^-b            scale and steps trend
//                     + G(N, s) (w - w*(N))' H(N) (w - w*(N))    mixture effect
//
// with N_t = 1e9 and S = 20000 as reference points, G(N, s) = g (N/N_t)^-c (s/S)^-d (the
// mixture matters more for small, short runs) and a PSD curvature H. What varies between
// members, all drawn from the seed:
//   - transfer tau in [0, 1]: the small-scale optimum moves away from the target's as
//       w*(N) = proj(w*_t + (1 - tau) |log10(N / N_target)| v)   (v: a fixed direction)
//     and the curvature rotates, H(N) = H_t + (1 - tau) |log10(N / N_target)| H_2, so rankings
//     transfer almost perfectly (tau near 1) or poorly (tau near 0);
//   - the optimum w*_t at the target: interior (every share >= 0.05) or on a face of the
//     simplex (one domain at 0);
//   - the scale of the mixture effect g relative to the trend (2% .. 10% of the loss).
// The number of domains is the campaign's (3 to 10 make sense) and the noise is
// simulator.noise. At the target scale the minimum over the simplex is w*_t exactly (H_t is
// positive definite and w*_t lies in the simplex), so a member's optimum is known: optimum().
#include <cstdint>
#include <string>
#include <vector>

#include "mixbo/sim/simulator.hpp"

namespace mixbo {

struct LawFamilyMember {
  double E = 0, A = 0, a = 0, B = 0, b = 0, g = 0, c = 0, d = 0;
  double tau = 1;          // transfer across scales (1: perfect)
  bool on_face = false;    // w*_t on a face of the simplex
  Eigen::VectorXd w_star;  // optimum at the target scale, full steps
  Eigen::VectorXd drift;   // v: direction the optimum moves away from the target (sum 0)
  Eigen::MatrixXd H, H2;   // curvature at the target and its change per decade of scale
};

class LawFamilySimulator : public Simulator {
 public:
  // `target_params`: the campaign's target scale (the optimum is exact there).
  LawFamilySimulator(std::uint64_t seed, int k, double target_params);

  std::vector<std::string> metrics() const override { return {"loss"}; }
  Eigen::VectorXd evaluate(const Eigen::VectorXd& w, double params,
                           std::int64_t step) const override;

  const LawFamilyMember& member() const { return m_; }
  // The minimiser over the whole simplex at the target scale (every step count).
  const Eigen::VectorXd& optimum() const { return m_.w_star; }

 private:
  LawFamilyMember m_;
  double target_params_;
};

}  // namespace mixbo
