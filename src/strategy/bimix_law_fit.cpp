#include "mixbo/strategy/bimix_law_fit.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "mixbo/core/error.hpp"
#include "mixbo/core/guarded_nlopt.hpp"
#include "mixbo/core/nonnegative_least_squares.hpp"

namespace mixbo {
namespace {

// Shares below this are treated as this (a run's share of a domain cannot be 0 under the law).
constexpr double kMinShare = 1e-9;

}  // namespace

double BimixLaw::predict(const Eigen::VectorXd& w, double steps, Eigen::VectorXd* grad) const {
  const double t = steps / s_ref;
  double v = E;
  if (grad) grad->setZero(k());
  for (int i = 0; i < k(); ++i) {
    const double wi = std::max(w[i], kMinShare);
    const double u = std::pow(wi, -alpha[i]);
    const double term = P[i] * std::pow(t, -beta[i]) + Q[i];
    v += u * term;
    if (grad) (*grad)[i] = w[i] > kMinShare ? -alpha[i] * u / wi * term : 0.0;
  }
  return v;
}

Eigen::VectorXd BimixLaw::exponents() const {
  Eigen::VectorXd t(2 * k());
  t << alpha.array().log().matrix(), beta.array().log().matrix();
  return t;
}

BimixLawFitProblem::BimixLawFitProblem(BimixData data, double s_ref, int max_evaluations)
    : d_(std::move(data)), s_ref_(s_ref), max_evaluations_(max_evaluations) {
  const auto n = d_.y.size();
  if (d_.W.rows() != n || d_.steps.size() != n)
    throw Error("bimix-law fit: mixtures, steps and values have different lengths");
  for (Eigen::Index i = 0; i < n; ++i)
    if (!std::isfinite(d_.y[i]) || !(d_.steps[i] > 0))
      throw Error("bimix-law fit: observation " + std::to_string(i) +
                  " has a non-finite value or a non-positive step");
  const double mean = n > 0 ? d_.y.mean() : 0.0;
  const double var = n > 1 ? (d_.y.array() - mean).square().sum() / static_cast<double>(n) : 0.0;
  y_scale_ = std::max(var, 1e-12 * std::max(1.0, mean * mean));
  log_w_ = d_.W.array().max(kMinShare).log();
  log_t_ = (d_.steps.array() / s_ref_).log();
}

// Exponents between 1e-3 and 5: BiMix's fitted alphas and betas lie well inside (0.1-1).
Eigen::VectorXd BimixLawFitProblem::lower() const {
  return Eigen::VectorXd::Constant(2 * d_.W.cols(), std::log(1e-3));
}

Eigen::VectorXd BimixLawFitProblem::upper() const {
  return Eigen::VectorXd::Constant(2 * d_.W.cols(), std::log(5.0));
}

BimixLawFitProblem::Powers BimixLawFitProblem::powers(const Eigen::VectorXd& theta) const {
  const auto k = d_.W.cols();
  const Eigen::ArrayXd alpha = theta.segment(0, k).array().exp();
  const Eigen::VectorXd beta = theta.segment(k, k).array().exp();
  return {(log_w_.rowwise() * -alpha.transpose()).exp(),
          (log_t_.matrix() * -beta.transpose()).array().exp()};
}

BimixLaw BimixLawFitProblem::solve_linear(const Eigen::VectorXd& theta, const Powers& p) const {
  const auto k = d_.W.cols();
  BimixLaw l;
  l.alpha = theta.segment(0, k).array().exp();
  l.beta = theta.segment(k, k).array().exp();
  l.s_ref = s_ref_;
  // y = E + [u v, u] [P; Q]: E is free, so centre y and the columns, solve for P, Q >= 0, and
  // E is what the means leave.
  Eigen::MatrixXd A(d_.y.size(), 2 * k);
  A.leftCols(k) = (p.u * p.v).matrix();
  A.rightCols(k) = p.u.matrix();
  const Eigen::RowVectorXd mean = A.colwise().mean();
  const double y_mean = d_.y.mean();
  const Eigen::VectorXd x =
      solve_nonnegative_least_squares(A.rowwise() - mean, d_.y.array() - y_mean).x;
  l.P = x.head(k);
  l.Q = x.tail(k);
  l.E = y_mean - mean.dot(x);
  return l;
}

BimixLaw BimixLawFitProblem::law(const Eigen::VectorXd& theta) const {
  return solve_linear(theta, powers(theta));
}

double BimixLawFitProblem::objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const {
  const auto k = d_.W.cols();
  const Powers p = powers(theta);
  const BimixLaw l = solve_linear(theta, p);
  const auto n = d_.y.size();
  const double c = n > 0 ? 1.0 / (static_cast<double>(n) * y_scale_) : 0.0;
  // Per observation j and domain i: pv = P t^-beta and u (pv + Q), the domain's term.
  const Eigen::ArrayXXd pv = p.v.rowwise() * l.P.array().transpose();
  const Eigen::ArrayXXd term = p.u * (pv.rowwise() + l.Q.array().transpose());
  const Eigen::ArrayXd r = term.rowwise().sum() + l.E - d_.y.array();
  if (grad) {
    // At the inner minimiser the residual's derivative through P, Q, E vanishes (or is held at
    // a bound), so only the exponents' own terms remain.
    const Eigen::ArrayXd g = 2 * c * r;
    grad->resize(theta.size());
    grad->segment(0, k) =
        -l.alpha.array() * ((term * log_w_).colwise() * g).colwise().sum().transpose();
    grad->segment(k, k) =
        -l.beta.array() * ((p.u * pv).colwise() * (g * log_t_)).colwise().sum().transpose();
  }
  return c * r.square().sum();
}

StartResult BimixLawFitProblem::solve(const Eigen::VectorXd& start) const {
  const auto np = static_cast<unsigned>(start.size());
  const Eigen::VectorXd lo = lower(), hi = upper();
  if (start.size() != lo.size())
    throw Error("bimix-law fit start has " + std::to_string(start.size()) + " entries, expected " +
                std::to_string(lo.size()));
  struct State {
    const BimixLawFitProblem* self;
    Eigen::VectorXd best_x;
    double best;
    int evals;
  } st{this, start.cwiseMax(lo).cwiseMin(hi), std::numeric_limits<double>::infinity(), 0};
  GuardedNlopt guarded(nlopt::LD_LBFGS, np);
  nlopt::opt& opt = guarded.opt();
  opt.set_lower_bounds(std::vector<double>(lo.data(), lo.data() + lo.size()));
  opt.set_upper_bounds(std::vector<double>(hi.data(), hi.data() + hi.size()));
  opt.set_maxeval(max_evaluations_);
  opt.set_ftol_rel(1e-15);
  opt.set_xtol_rel(1e-12);
  guarded.set_min_objective(
      [](unsigned n, const double* x, double* g, void* data) -> double {
        auto& s = *static_cast<State*>(data);
        const Eigen::VectorXd th = Eigen::Map<const Eigen::VectorXd>(x, n);
        Eigen::VectorXd gv;
        const double v = s.self->objective(th, g ? &gv : nullptr);
        if (g) Eigen::Map<Eigen::VectorXd>(g, n) = gv;
        ++s.evals;
        if (v < s.best) {
          s.best = v;
          s.best_x = th;
        }
        return std::isfinite(v) ? v : std::numeric_limits<double>::max();
      },
      &st);
  std::vector<double> x(st.best_x.data(), st.best_x.data() + np);
  double fx = 0;
  StartResult r;
  r.status = static_cast<int>(guarded.optimize(x, fx));  // on failure: keep the best point seen
  if (st.evals == 0) st.best = objective(st.best_x, nullptr);
  r.x = st.best_x;
  r.value = std::isfinite(st.best) ? st.best : std::numeric_limits<double>::infinity();
  r.iterations = st.evals;
  if (!std::isfinite(st.best)) r.error = "the law was not finite anywhere this start visited";
  return r;
}

void BimixLawFitProblem::serialize(ByteWriter& out) const {
  out.put(d_.W);
  out.put(d_.steps);
  out.put(d_.y);
  out.put<double>(s_ref_);
  out.put<std::int32_t>(max_evaluations_);
}

std::unique_ptr<MultiStartProblem> BimixLawFitProblem::deserialize(ByteReader& in) {
  BimixData d;
  d.W = in.get_matrix();
  d.steps = in.get_vector();
  d.y = in.get_vector();
  const double s_ref = in.get<double>();
  const int max_eval = in.get<std::int32_t>();
  return std::make_unique<BimixLawFitProblem>(std::move(d), s_ref, max_eval);
}

BimixFit fit_bimix_law(const BimixData& data, double s_ref, Team& team, Rng& rng, int starts,
                       int max_evaluations) {
  const int k = static_cast<int>(data.W.cols());
  const auto n = data.y.size();
  if (n < 4 * k + 1)
    throw Error("bimix-law fit: " + std::to_string(n) + " observations for " +
                std::to_string(4 * k + 1) + " law coefficients");
  const BimixLawFitProblem problem(data, s_ref, max_evaluations);
  const Eigen::VectorXd lo = problem.lower(), hi = problem.upper();

  // Starts: exponents typical of BiMix's fits, then random ones (P, Q, E follow from them).
  std::vector<Eigen::VectorXd> points;
  std::uniform_real_distribution<double> a(std::log(0.05), std::log(1.5));
  for (int s = 0; s < std::max(starts, 1); ++s) {
    Eigen::VectorXd t(2 * k);
    for (int i = 0; i < k; ++i) {
      t[i] = s == 0 ? std::log(0.3) : a(rng);
      t[k + i] = s == 0 ? std::log(0.5) : a(rng);
    }
    points.push_back(t.cwiseMax(lo).cwiseMin(hi));
  }
  BimixFit fit;
  fit.starts = team.run(problem, points);
  const size_t b = best_start(fit.starts);
  fit.law = problem.law(fit.starts[b].x);
  double sse = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double r = fit.law.predict(data.W.row(j).transpose(), data.steps[j]) - data.y[j];
    sse += r * r;
  }
  fit.rmse = std::sqrt(sse / static_cast<double>(n));
  return fit;
}

}  // namespace mixbo
