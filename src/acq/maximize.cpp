#include "mixbo/acq/maximize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mixbo/core/error.hpp"
#include "mixbo/core/failure_values.hpp"
#include "mixbo/core/guarded_nlopt.hpp"
#include "mixbo/space/sampling.hpp"

namespace mixbo {

namespace {

BoundedSimplex anonymous_simplex(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper) {
  std::vector<std::string> names;
  for (Eigen::Index i = 0; i < lower.size(); ++i) {
    std::string name = "w";  // (operator+ on a literal trips GCC 12's -Wrestrict)
    name += std::to_string(i);
    names.push_back(std::move(name));
  }
  return BoundedSimplex(names, lower, upper);
}

struct Evaluation {
  const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>* f = nullptr;
  int evaluations = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  std::vector<double> best_w;
};

double acquisition_objective(const std::vector<double>& w, std::vector<double>& grad, void* data) {
  auto* e = static_cast<Evaluation*>(data);
  ++e->evaluations;
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(w.data(), std::ssize(w));
  Eigen::VectorXd g;
  double v = (*e->f)(x, grad.empty() ? nullptr : &g);
  if (!std::isfinite(v)) {
    v = kNoAcquisitionValue;
    g.setZero(std::ssize(w));
  }
  if (!grad.empty())
    for (size_t i = 0; i < w.size(); ++i) grad[i] = -g[static_cast<Eigen::Index>(i)];
  if (v > e->best_value) {
    e->best_value = v;
    e->best_w = w;
  }
  return -v;
}

}  // namespace

AcqRefineProblem::AcqRefineProblem(std::shared_ptr<const GaussianProcess> gp, AcqSpec spec,
                                   Eigen::VectorXd lower, Eigen::VectorXd upper,
                                   int max_evaluations)
    : acq_(std::move(gp), std::move(spec)),
      simplex_(anonymous_simplex(lower, upper)),
      max_evaluations_(max_evaluations) {
  if (lower.size() != acq_.k())
    throw Error("acq-refine: bounds have " + std::to_string(lower.size()) +
                " entries, the GP has " + std::to_string(acq_.k()) + " mixture columns");
}

void AcqRefineProblem::serialize(ByteWriter& out) const {
  acq_.gp().serialize(out);
  acq_.spec().serialize(out);
  out.put(Eigen::VectorXd(simplex_.lower()));
  out.put(Eigen::VectorXd(simplex_.upper()));
  out.put<std::int32_t>(max_evaluations_);
}

std::unique_ptr<MultiStartProblem> AcqRefineProblem::deserialize(ByteReader& in) {
  auto gp = std::make_shared<const GaussianProcess>(GaussianProcess::deserialize(in));
  AcqSpec spec = AcqSpec::deserialize(in);
  Eigen::VectorXd lo = in.get_vector();
  Eigen::VectorXd hi = in.get_vector();
  const int evals = in.get<std::int32_t>();
  return std::make_unique<AcqRefineProblem>(std::move(gp), std::move(spec), std::move(lo),
                                            std::move(hi), evals);
}

StartResult AcqRefineProblem::solve(const Eigen::VectorXd& start) const {
  const int k = acq_.k();
  if (start.size() != k + 1) throw Error("acq-refine: a start is [pair, w_1..w_k]");
  const int pair = static_cast<int>(start[0]);
  if (pair < 0 || pair >= static_cast<int>(acq_.spec().pairs.size()))
    throw Error("acq-refine: start names pair " + std::to_string(pair) + " of " +
                std::to_string(acq_.spec().pairs.size()));
  const SimplexOptimum best = maximize_on_simplex(
      [&](const Eigen::VectorXd& w, Eigen::VectorXd* g) { return acq_.value(pair, w, g); },
      start.tail(k), simplex_, max_evaluations_);
  StartResult r;
  r.x.resize(k + 1);
  r.x[0] = pair;
  r.x.tail(k) = best.w;
  r.value = -best.value;
  r.iterations = best.evaluations;
  r.status = best.status;
  return r;
}

SimplexOptimum maximize_on_simplex(
    const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>& f,
    const Eigen::VectorXd& start, const BoundedSimplex& simplex, int max_evaluations) {
  const int k = simplex.dim();
  const Eigen::VectorXd w0 = simplex.project(start);
  Evaluation e;
  e.f = &f;
  GuardedNlopt guarded(nlopt::LD_SLSQP, static_cast<unsigned>(k));
  nlopt::opt& opt = guarded.opt();
  opt.set_lower_bounds(std::vector<double>(simplex.lower().data(), simplex.lower().data() + k));
  opt.set_upper_bounds(std::vector<double>(simplex.upper().data(), simplex.upper().data() + k));
  guarded.add_equality_constraint(simplex_sum_constraint, nullptr, 1e-12);
  guarded.set_min_objective(acquisition_objective, &e);
  opt.set_maxeval(max_evaluations);
  opt.set_xtol_rel(1e-10);
  opt.set_ftol_rel(1e-12);
  std::vector<double> x(w0.data(), w0.data() + k);
  double fval = 0;
  SimplexOptimum out;
  // A failure status: e.g. SLSQP gave up on a singular step; the candidates below still count.
  out.status = static_cast<int>(guarded.optimize(x, fval));
  // Candidates: the start, where SLSQP stopped and the best point it evaluated, each projected
  // exactly onto the bounded simplex and re-evaluated there; the best one wins (ties: earlier).
  std::vector<Eigen::VectorXd> cands{w0, simplex.project(Eigen::Map<Eigen::VectorXd>(x.data(), k))};
  if (!e.best_w.empty())
    cands.push_back(simplex.project(Eigen::Map<Eigen::VectorXd>(e.best_w.data(), k)));
  out.value = -std::numeric_limits<double>::infinity();
  out.w = w0;
  for (const auto& c : cands) {
    double v = f(c, nullptr);
    if (!std::isfinite(v)) v = kNoAcquisitionValue;
    if (v > out.value) {
      out.value = v;
      out.w = c;
    }
  }
  out.evaluations = e.evaluations;
  return out;
}

std::vector<AcqCandidate> maximize_acquisition(std::shared_ptr<const GaussianProcess> gp,
                                               const AcqSpec& spec, const BoundedSimplex& simplex,
                                               Team& team, const MaximizeOptions& options) {
  const int k = simplex.dim();
  const int P = static_cast<int>(spec.pairs.size());
  Eigen::MatrixXd W(std::max(options.raw_samples, 1) + 1, k);
  W.topRows(W.rows() - 1) = sample_sobol(simplex, W.rows() - 1, options.seed);
  W.row(W.rows() - 1) = simplex.center().transpose();

  AcqRefineProblem problem(gp, spec, simplex.lower(), simplex.upper(), options.max_evaluations);
  const Acquisition& acq = problem.acquisition();
  struct Raw {
    int pair, row;
    double value;
  };
  std::vector<Raw> raw;
  raw.reserve(static_cast<size_t>(P) * static_cast<size_t>(W.rows()));
  auto evaluate = [&](int p, Eigen::Index rows) {
    const Eigen::VectorXd v = acq.values(p, W.topRows(rows));
    for (Eigen::Index i = 0; i < rows; ++i)
      raw.push_back({p, static_cast<int>(i), std::isfinite(v[i]) ? v[i] : kNoAcquisitionValue});
  };
  std::vector<int> full(static_cast<size_t>(P));
  std::iota(full.begin(), full.end(), 0);
  const Eigen::Index screen = std::min<Eigen::Index>(options.screen_samples, W.rows());
  if (P > options.screen_pairs && screen < W.rows()) {
    // Screening: every pair on the design's first `screen` points (a Sobol prefix is itself
    // space-filling); only the screen_pairs best pairs get the full design.
    std::vector<double> best(static_cast<size_t>(P), kNoAcquisitionValue);
    for (int p = 0; p < P; ++p) {
      const Eigen::VectorXd v = acq.values(p, W.topRows(screen));
      for (Eigen::Index i = 0; i < screen; ++i)
        if (std::isfinite(v[i]))
          best[static_cast<size_t>(p)] = std::max(best[static_cast<size_t>(p)], v[i]);
    }
    std::stable_sort(full.begin(), full.end(), [&](int a, int b) {
      return best[static_cast<size_t>(a)] > best[static_cast<size_t>(b)];
    });
    full.resize(static_cast<size_t>(options.screen_pairs));
    std::sort(full.begin(), full.end());
  }
  for (int p : full) evaluate(p, W.rows());
  // Best first; ties broken by (pair, row) so the order is fully determined.
  std::stable_sort(raw.begin(), raw.end(),
                   [](const Raw& a, const Raw& b) { return a.value > b.value; });

  const size_t n_refine =
      std::min(raw.size(), static_cast<size_t>(std::max(options.refine_starts, 0)));
  std::vector<Eigen::VectorXd> starts;
  for (size_t i = 0; i < n_refine; ++i) {
    Eigen::VectorXd s(k + 1);
    s[0] = raw[i].pair;
    s.tail(k) = W.row(raw[i].row).transpose();
    starts.push_back(std::move(s));
  }
  std::vector<AcqCandidate> out;
  if (!starts.empty()) {
    const auto results = team.run(problem, starts);
    std::vector<size_t> order(results.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const bool fa = results[a].error.empty() && std::isfinite(results[a].value);
      const bool fb = results[b].error.empty() && std::isfinite(results[b].value);
      if (fa != fb) return fa;
      return fa && results[a].value < results[b].value;
    });
    for (size_t i : order) {
      const auto& r = results[i];
      if (!r.error.empty() || !std::isfinite(r.value)) continue;
      out.push_back({static_cast<int>(r.x[0]), r.x.tail(k), -r.value, true});
    }
  }
  for (size_t i = n_refine; i < raw.size() && i < n_refine + static_cast<size_t>(options.keep_raw);
       ++i)
    out.push_back({raw[i].pair, W.row(raw[i].row).transpose(), raw[i].value, false});
  if (out.empty()) throw NumericalError("acquisition maximisation: every candidate failed");
  return out;
}

}  // namespace mixbo
