#pragma once
// Maximises an acquisition over the bounded simplex, jointly over its (scale, steps) pairs:
//  1. raw candidates: one scrambled Sobol design on the bounded simplex (raw_samples points,
//     plus the simplex centre), shared by every pair and evaluated in batches. With more than
//     screen_pairs pairs, every pair is first screened on the design's first screen_samples
//     points and only the screen_pairs best pairs are evaluated on the whole design (on the
//     paper's 7 x 5 ladder x grid this cuts the raw work ~4x: each raw value costs an O(n^2)
//     triangular solve);
//  2. the refine_starts best (pair, w) raw candidates over ALL pairs are refined, each within
//     its pair, by NLopt LD_SLSQP (box bounds + the equality constraint sum w = 1, analytic
//     gradients), then projected onto the bounded simplex (BoundedSimplex::project: on the
//     simplex to 1e-15, inside the bounds) and re-evaluated; a refinement that ends worse than
//     its start returns the start.
// Refining the best candidates over all pairs instead of refine_starts per pair keeps the cost
// independent of the ladder size (35 pairs on the paper's ladder); the raw search already
// compares pairs, and the acquisitions are smooth in w.
//
// The refinements are one MultiStartProblem of kind "acq-refine" (the serialised GP, the
// acquisition spec, the bounds; a start is [pair index, w]) run through the caller's Team:
// start points are chosen here on the caller, and solve() is deterministic per start, so the
// result is identical whatever Team (serial, MPI with any rank count, any order) ran them.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "mixbo/acq/acquisition.hpp"
#include "mixbo/par/multistart.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/space/simplex.hpp"

namespace mixbo {

struct MaximizeOptions {
  int raw_samples = 1024;
  int refine_starts = 8;
  int max_evaluations = 200;  // per refinement
  std::uint64_t seed = 0;     // of the Sobol design's scramble
  int keep_raw = 32;          // best raw candidates also returned (after the refined ones)
  int screen_pairs = 4;       // with more pairs than this, only the best screen_pairs ...
  int screen_samples = 64;    // ... by their best value on this many design points get the rest
};

struct AcqCandidate {
  int pair = 0;
  Eigen::VectorXd w;
  double value = 0;  // acquisition value (maximised)
  bool refined = false;
};

// Refined candidates, best first (ties: lower start index), then the keep_raw best raw ones
// that were not refined, best first: callers needing several distinct points walk the list.
std::vector<AcqCandidate> maximize_acquisition(std::shared_ptr<const GaussianProcess> gp,
                                               const AcqSpec& spec, const BoundedSimplex& simplex,
                                               Team& team, const MaximizeOptions& options);

// The local step of 2. for any smooth f(w) (value, and its gradient when asked): NLopt LD_SLSQP
// from `start` within the bounds and sum w = 1, then the start, the end and the best point seen,
// each projected onto the bounded simplex and re-evaluated; the best of them. Non-finite values
// count as kNoAcquisitionValue.
struct SimplexOptimum {
  Eigen::VectorXd w;
  double value = 0;     // f(w), maximised
  int evaluations = 0;  // by SLSQP
  int status = 0;       // NLopt's result code
};
SimplexOptimum maximize_on_simplex(
    const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>& f,
    const Eigen::VectorXd& start, const BoundedSimplex& simplex, int max_evaluations);

// One refinement problem (kind "acq-refine"). solve() minimises -acquisition.
class AcqRefineProblem final : public MultiStartProblem {
 public:
  AcqRefineProblem(std::shared_ptr<const GaussianProcess> gp, AcqSpec spec, Eigen::VectorXd lower,
                   Eigen::VectorXd upper, int max_evaluations);
  std::string kind() const override { return "acq-refine"; }
  void serialize(ByteWriter& out) const override;
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in);
  // start = [pair index, w_1..w_k]; result x has the same layout.
  StartResult solve(const Eigen::VectorXd& start) const override;
  const Acquisition& acquisition() const { return acq_; }

 private:
  Acquisition acq_;
  BoundedSimplex simplex_;
  int max_evaluations_;
};

}  // namespace mixbo
