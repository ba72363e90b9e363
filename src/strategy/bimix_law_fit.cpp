#include "mixbo/strategy/bimix_law_fit.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "mixbo/core/error.hpp"
#include "mixbo/core/guarded_nlopt.hpp"

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

BimixLaw BimixLaw::from_theta(const Eigen::VectorXd& theta, int k, double s_ref) {
  BimixLaw l;
  l.alpha = theta.segment(0, k).array().exp();
  l.beta = theta.segment(k, k).array().exp();
  l.P = theta.segment(2 * k, k).array().exp();
  l.Q = theta.segment(3 * k, k).array().exp();
  l.E = theta[4 * k];
  l.s_ref = s_ref;
  return l;
}

Eigen::VectorXd BimixLaw::theta() const {
  const int n = k();
  Eigen::VectorXd t(4 * n + 1);
  t << alpha.array().log().matrix(), beta.array().log().matrix(), P.array().log().matrix(),
      Q.array().log().matrix(), E;
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

Eigen::VectorXd BimixLawFitProblem::lower() const {
  const int k = static_cast<int>(d_.W.cols());
  const double m = std::max(d_.y.cwiseAbs().maxCoeff(), 1e-12);
  Eigen::VectorXd lo(4 * k + 1);
  lo.segment(0, k).setConstant(std::log(1e-3));
  lo.segment(k, k).setConstant(std::log(1e-3));
  lo.segment(2 * k, 2 * k).setConstant(std::log(1e-9 * m));
  lo[4 * k] = -10 * m;
  return lo;
}

Eigen::VectorXd BimixLawFitProblem::upper() const {
  const int k = static_cast<int>(d_.W.cols());
  const double m = std::max(d_.y.cwiseAbs().maxCoeff(), 1e-12);
  Eigen::VectorXd hi(4 * k + 1);
  hi.segment(0, k).setConstant(std::log(5.0));
  hi.segment(k, k).setConstant(std::log(5.0));
  hi.segment(2 * k, 2 * k).setConstant(std::log(1e3 * m));
  hi[4 * k] = 10 * m;
  return hi;
}

double BimixLawFitProblem::objective(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const {
  const auto k = d_.W.cols();
  const BimixLaw l = BimixLaw::from_theta(theta, static_cast<int>(k), s_ref_);
  const auto n = d_.y.size();
  const double c = n > 0 ? 1.0 / (static_cast<double>(n) * y_scale_) : 0.0;
  // Per observation j and domain i: u = w^-alpha, pv = P t^-beta, and u (pv + Q), the domain's
  // term. Whole-matrix passes: a handful of n x k temporaries per evaluation, none per row.
  const Eigen::ArrayXXd u = (log_w_.rowwise() * -l.alpha.array().transpose()).exp();
  const Eigen::ArrayXXd pv =
      (log_t_.matrix() * -l.beta.transpose()).array().exp().rowwise() * l.P.array().transpose();
  const Eigen::ArrayXXd term = u * (pv.rowwise() + l.Q.array().transpose());
  const Eigen::ArrayXd r = term.rowwise().sum() + l.E - d_.y.array();
  if (grad) {
    const Eigen::ArrayXd g = 2 * c * r;
    const Eigen::ArrayXXd upv = u * pv;
    grad->resize(theta.size());
    grad->segment(0, k) =
        -l.alpha.array() * ((term * log_w_).colwise() * g).colwise().sum().transpose();
    grad->segment(k, k) =
        -l.beta.array() * (upv.colwise() * (g * log_t_)).colwise().sum().transpose();
    grad->segment(2 * k, k) = (upv.colwise() * g).colwise().sum().transpose();
    grad->segment(3 * k, k) = l.Q.array() * (u.colwise() * g).colwise().sum().transpose();
    (*grad)[4 * k] = g.sum();
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

  // Starts: a neutral law whose level matches the data, then random laws around it.
  const double ymin = data.y.minCoeff(), ymean = data.y.mean();
  const double sd = std::sqrt((data.y.array() - ymean).square().mean());
  const double E0 = ymin > 0 ? 0.5 * ymin : ymin - std::max(sd, 1e-3 * std::abs(ymin) + 1e-12);
  const double level = std::max(ymean - E0, 1e-12) / (2.0 * k * std::pow(k, 0.3));
  std::vector<Eigen::VectorXd> points;
  for (int s = 0; s < std::max(starts, 1); ++s) {
    Eigen::VectorXd t(4 * k + 1);
    std::uniform_real_distribution<double> a(std::log(0.05), std::log(1.5));
    std::normal_distribution<double> lvl(0.0, 1.5), off(0.0, 1.0);
    for (int i = 0; i < k; ++i) {
      t[i] = s == 0 ? std::log(0.3) : a(rng);
      t[k + i] = s == 0 ? std::log(0.5) : a(rng);
      t[2 * k + i] = std::log(level) + (s == 0 ? 0.0 : lvl(rng));
      t[3 * k + i] = std::log(level) + (s == 0 ? 0.0 : lvl(rng));
    }
    t[4 * k] = E0 + (s == 0 ? 0.0 : off(rng) * sd);
    points.push_back(t.cwiseMax(lo).cwiseMin(hi));
  }
  BimixFit fit;
  fit.starts = team.run(problem, points);
  const size_t b = best_start(fit.starts);
  fit.law = BimixLaw::from_theta(fit.starts[b].x, k, s_ref);
  double sse = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double r = fit.law.predict(data.W.row(j).transpose(), data.steps[j]) - data.y[j];
    sse += r * r;
  }
  fit.rmse = std::sqrt(sse / static_cast<double>(n));
  return fit;
}

}  // namespace mixbo
