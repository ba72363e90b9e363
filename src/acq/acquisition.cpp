#include "mixbo/acq/acquisition.hpp"

#include <algorithm>
#include <cmath>

#include "mixbo/acq/knowledge_gradient.hpp"
#include "mixbo/acq/max_value_entropy.hpp"
#include "mixbo/acq/normal.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/failure_values.hpp"

namespace mixbo {

namespace {
// Latent variances below this (raw units^2, relative to the output scale) are treated as this:
// sigma = 0 would make z infinite.
constexpr double kVarianceFloor = 1e-24;
constexpr double kUcbBeta = 2.0;
}  // namespace

const Registry<AcqKind>& acquisition_registry() {
  static const Registry<AcqKind> r = [] {
    Registry<AcqKind> reg("acquisition");
    reg.add("logei", "log EI at the target only", AcqKind::kLogEi);
    reg.add("ucb", "2 sigma - mu at the target only", AcqKind::kUcb);
    reg.add("ei-per-cost", "the paper's rule: log EI - alpha_t log cost, over every pair",
            AcqKind::kEiPerCost);
    reg.add("target-ei-per-cost",
            "what a run teaches about the target (knowledge gradient) per unit cost, all pairs",
            AcqKind::kTargetEiPerCost);
    reg.add("mes-per-cost",
            "what a run tells about the target's lowest loss (max-value entropy) per unit cost, "
            "all pairs",
            AcqKind::kMesPerCost);
    return reg;
  }();
  return r;
}

AcqKind parse_acquisition(const std::string& name) {
  if (const auto* e = acquisition_registry().find(name)) return e->make;
  throw ConfigError("strategy.acquisition: unknown acquisition '" + name +
                    "' (known: " + acquisition_registry().names_text() + ")");
}

std::string acquisition_name(AcqKind kind) {
  for (const auto& e : acquisition_registry().entries())
    if (e.make == kind) return e.name;
  return "posterior-mean";
}

bool is_multi_fidelity(AcqKind kind) {
  return kind == AcqKind::kEiPerCost || kind == AcqKind::kTargetEiPerCost ||
         kind == AcqKind::kMesPerCost;
}

void AcqSpec::serialize(ByteWriter& out) const {
  out.put<std::int32_t>(static_cast<std::int32_t>(kind));
  out.put<double>(alpha);
  out.put<double>(beta);
  out.put(targets);
  out.put(min_samples);
  out.put<double>(target_log_params);
  out.put<double>(target_log_steps);
  out.put<std::uint64_t>(pairs.size());
  for (const auto& p : pairs) {
    out.put<std::int32_t>(p.scale);
    out.put<std::int64_t>(p.steps);
    out.put<double>(p.log_params);
    out.put<double>(p.log_steps);
    out.put<double>(p.log_cost);
    out.put<double>(p.incumbent);
  }
}

AcqSpec AcqSpec::deserialize(ByteReader& in) {
  AcqSpec s;
  const auto kind = in.get<std::int32_t>();
  if (kind < 0 || kind > static_cast<std::int32_t>(AcqKind::kPosteriorMean))
    throw Error("serialized acquisition has an unknown kind " + std::to_string(kind));
  s.kind = static_cast<AcqKind>(kind);
  s.alpha = in.get<double>();
  s.beta = in.get<double>();
  s.targets = in.get_matrix();
  s.min_samples = in.get_vector();
  s.target_log_params = in.get<double>();
  s.target_log_steps = in.get<double>();
  const auto n = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    AcqPair p;
    p.scale = in.get<std::int32_t>();
    p.steps = in.get<std::int64_t>();
    p.log_params = in.get<double>();
    p.log_steps = in.get<double>();
    p.log_cost = in.get<double>();
    p.incumbent = in.get<double>();
    s.pairs.push_back(p);
  }
  return s;
}

void set_pair_incumbents(const GaussianProcess& gp, const Eigen::MatrixXd& observed_w,
                         AcqSpec& spec) {
  if (observed_w.rows() == 0) throw Error("acquisition: no observed mixtures for the incumbent");
  const auto k = observed_w.cols();
  Eigen::MatrixXd X(observed_w.rows(), k + 2);
  X.leftCols(k) = observed_w;
  for (auto& p : spec.pairs) {
    X.col(k).setConstant(p.log_params);
    X.col(k + 1).setConstant(p.log_steps);
    p.incumbent = gp.predict(X).mean.minCoeff();
  }
}

Acquisition::Acquisition(std::shared_ptr<const GaussianProcess> gp, AcqSpec spec)
    : gp_(std::move(gp)), spec_(std::move(spec)) {
  if (spec_.pairs.empty()) throw Error("acquisition: no (scale, steps) pair to evaluate");
  const auto& model = gp_->model();
  kparams_ = model.kernel_params(gp_->theta());
  const double sc = gp_->standardizer().scale;
  amp_ = model.signal_variance(gp_->theta()) * sc * sc;
  if (spec_.kind == AcqKind::kTargetEiPerCost) {
    if (spec_.targets.rows() == 0 || spec_.targets.cols() != gp_->dim())
      throw Error("target-ei-per-cost: needs target points with " + std::to_string(gp_->dim()) +
                  " feature columns");
    const Eigen::MatrixXd KT = model.kernel().cross(kparams_, gp_->X(), spec_.targets);
    G_ = gp_->solve(model.signal_variance(gp_->theta()) * KT);
    a_ = -gp_->predict(spec_.targets, KT).mean;
  }
  if (spec_.kind == AcqKind::kMesPerCost && spec_.min_samples.size() == 0)
    throw Error("mes-per-cost: needs samples of the target's lowest loss");
}

Eigen::VectorXd Acquisition::features(int pair, const Eigen::VectorXd& w) const {
  const auto& pr = spec_.pairs.at(static_cast<size_t>(pair));
  Eigen::VectorXd x(w.size() + 2);
  x.head(w.size()) = w;
  x[w.size()] = pr.log_params;
  x[w.size() + 1] = pr.log_steps;
  return x;
}

Eigen::VectorXd Acquisition::target_features(const Eigen::VectorXd& w) const {
  Eigen::VectorXd x(w.size() + 2);
  x.head(w.size()) = w;
  x[w.size()] = spec_.target_log_params;
  x[w.size() + 1] = spec_.target_log_steps;
  return x;
}

double Acquisition::mes_value(int pair, const Eigen::VectorXd& w, Eigen::VectorXd* grad) const {
  const auto& pr = spec_.pairs.at(static_cast<size_t>(pair));
  const Kernel& kern = gp_->model().kernel();
  const double s2 = gp_->model().signal_variance(gp_->theta());
  const Eigen::VectorXd xm = features(pair, w), xt = target_features(w);
  const Eigen::MatrixXd xmr = xm.transpose(), xtr = xt.transpose();
  if (!grad) return mes_values(pair, xmr)[0];
  const Eigen::VectorXd km = kern.cross(kparams_, gp_->X(), xmr).col(0);
  const Eigen::VectorXd kt = kern.cross(kparams_, gp_->X(), xtr).col(0);
  // cov(f_T(w), f(x)) = amp (k(x, x_T) - s2 k_x' (s2 K + noise)^-1 k_T), as the KG's cov_t.
  const Eigen::VectorXd gt = gp_->solve(s2 * kt);
  const double cov = amp_ * (kern.cross(kparams_, xmr, xtr)(0, 0) - km.dot(gt));
  const Eigen::MatrixXd dkm = kern.input_gradient(kparams_, xm, gp_->X());  // d x n
  const Eigen::MatrixXd dkt = kern.input_gradient(kparams_, xt, gp_->X());
  const PointGradient pt = gp_->predict_with_gradient(xt, kt, dkt);
  const PointGradient pm = gp_->predict_with_gradient(xm, km, dkm);
  // The run's reading: its noise and its seed's shift (on a raw output, of the reading's size).
  const double noise = gp_->new_run_noise(pm.mean);
  const MaxValueInformation info = max_value_information(pt.mean, pt.variance, pm.variance + noise,
                                                         cov, spec_.min_samples, true);
  if (!std::isfinite(info.log_value)) {
    grad->setZero(k());
    return kNoAcquisitionValue;
  }
  // Both points move with w: d cov / dw takes k(x, x_T)'s gradient in either argument and
  // both cross-covariance vectors' (the solve is symmetric, so s2 (..)^-1 k_x pairs with dk_T).
  const Eigen::VectorXd gm = gp_->solve(s2 * km);
  const Eigen::VectorXd dcov =
      amp_ * (kern.input_gradient(kparams_, xm, xtr).col(0) +
              kern.input_gradient(kparams_, xt, xmr).col(0) - dkm * gt - dkt * gm);
  Eigen::VectorXd g = info.dmu * pt.dmean + info.dcov * dcov;
  // A posterior variance clipped at 0 has no meaningful gradient (as in value() below).
  if (pt.variance > 0) g += info.dvar_target * pt.dvariance;
  if (pm.variance > 0) g += info.dvar_run * pm.dvariance;
  if (!gp_->run_effect().empty())
    g += info.dvar_run * gp_->new_run_noise_derivative(pm.mean) * pm.dmean;
  *grad = g.head(k());
  return info.log_value - spec_.alpha * pr.log_cost;
}

Eigen::VectorXd Acquisition::mes_values(int pair, const Eigen::MatrixXd& X) const {
  const auto& pr = spec_.pairs.at(static_cast<size_t>(pair));
  const Kernel& kern = gp_->model().kernel();
  const double s2 = gp_->model().signal_variance(gp_->theta());
  Eigen::MatrixXd XT = X;
  XT.col(k()).setConstant(spec_.target_log_params);
  XT.col(k() + 1).setConstant(spec_.target_log_steps);
  Eigen::VectorXd out(X.rows());
  constexpr Eigen::Index kBlock = 64;
  for (Eigen::Index b0 = 0; b0 < X.rows(); b0 += kBlock) {
    const Eigen::Index m = std::min(kBlock, X.rows() - b0);
    const Eigen::MatrixXd Xm = X.middleRows(b0, m), Xt = XT.middleRows(b0, m);
    const Eigen::MatrixXd Km = kern.cross(kparams_, gp_->X(), Xm);
    const Eigen::MatrixXd Kt = kern.cross(kparams_, gp_->X(), Xt);
    const Posterior pm = gp_->predict(Xm, Km), pt = gp_->predict(Xt, Kt);
    const Eigen::MatrixXd Gt = gp_->solve(s2 * Kt);
    for (Eigen::Index i = 0; i < m; ++i) {
      const double cov =
          amp_ * (kern.cross(kparams_, Xm.row(i), Xt.row(i))(0, 0) - Km.col(i).dot(Gt.col(i)));
      const MaxValueInformation info = max_value_information(
          pt.mean[i], pt.variance[i], pm.variance[i] + gp_->new_run_noise(pm.mean[i]), cov,
          spec_.min_samples, false);
      out[b0 + i] = std::isfinite(info.log_value) ? info.log_value - spec_.alpha * pr.log_cost
                                                  : kNoAcquisitionValue;
    }
  }
  return out;
}

double Acquisition::from_moments(int pair, double mu, double var, const Eigen::VectorXd& cov_t,
                                 double* dmu, double* dvar, Eigen::VectorXd* dcov_t) const {
  const auto& pr = spec_.pairs[static_cast<size_t>(pair)];
  const bool floored = var < kVarianceFloor;
  const double sigma = std::sqrt(floored ? kVarianceFloor : var);
  const double dsigma = floored ? 0.0 : 0.5 / sigma;  // d sigma / d var
  switch (spec_.kind) {
    case AcqKind::kLogEi:
    case AcqKind::kEiPerCost: {
      const double z = (pr.incumbent - mu) / sigma;
      const double alpha = spec_.kind == AcqKind::kEiPerCost ? spec_.alpha : 0.0;
      if (dmu) {
        const double g = dlog_h(z);
        *dmu = -g / sigma;
        *dvar = (1.0 - g * z) / sigma * dsigma;
      }
      return std::log(sigma) + log_h(z) - alpha * pr.log_cost;
    }
    case AcqKind::kUcb:
      if (dmu) {
        *dmu = -1.0;
        *dvar = spec_.beta * dsigma;
      }
      return spec_.beta * sigma - mu;
    case AcqKind::kPosteriorMean:
      if (dmu) {
        *dmu = -1.0;
        *dvar = 0.0;
      }
      return -mu;
    case AcqKind::kMesPerCost:
      throw Error("mes-per-cost: evaluated from two points' moments (mes_value), not one's");
    case AcqKind::kTargetEiPerCost: {
      const double s2 = var + gp_->new_run_noise(mu);
      const double s = std::sqrt(s2);
      const Eigen::VectorXd b = cov_t / s;
      const LogKg kg = log_knowledge_gradient(a_, b, dmu != nullptr);
      const bool none = !std::isfinite(kg.log_value);
      if (dmu) {
        *dmu = 0.0;
        if (none) {
          *dvar = 0.0;
          dcov_t->setZero(cov_t.size());
        } else {
          *dcov_t = kg.dlog_db / s;
          *dvar = -0.5 * kg.dlog_db.dot(b) / s2;
          // On a raw output the run's shift scales with its level: s2 moves with mu too.
          if (!gp_->run_effect().empty()) *dmu = *dvar * gp_->new_run_noise_derivative(mu);
        }
      }
      return none ? kNoAcquisitionValue : kg.log_value - spec_.alpha * pr.log_cost;
    }
  }
  throw Error("acquisition: unknown kind");
}

double Acquisition::value(int pair, const Eigen::VectorXd& w, Eigen::VectorXd* grad) const {
  if (w.size() != k())
    throw Error("acquisition: mixture has " + std::to_string(w.size()) + " entries, expected " +
                std::to_string(k()));
  if (spec_.kind == AcqKind::kMesPerCost) return mes_value(pair, w, grad);
  const Eigen::VectorXd x = features(pair, w);
  const Eigen::MatrixXd xr = x.transpose();
  const bool kg = spec_.kind == AcqKind::kTargetEiPerCost;
  const Kernel& kern = gp_->model().kernel();
  // k(X, x) and its input gradient are evaluated once, for the posterior and for cov(f(T), f(x)).
  const Eigen::VectorXd kx = kern.cross(kparams_, gp_->X(), xr).col(0);
  Eigen::VectorXd cov_t;
  if (kg)
    cov_t =
        amp_ * (kern.cross(kparams_, xr, spec_.targets).row(0).transpose() - G_.transpose() * kx);
  if (!grad) {
    const Posterior post = gp_->predict(xr, kx);
    return from_moments(pair, post.mean[0], post.variance[0], cov_t, nullptr, nullptr, nullptr);
  }
  const Eigen::MatrixXd dkx = kern.input_gradient(kparams_, x, gp_->X());  // d x n
  const PointGradient pg = gp_->predict_with_gradient(x, kx, dkx);
  double dmu = 0, dvar = 0;
  Eigen::VectorXd dcov_t;
  const double v = from_moments(pair, pg.mean, pg.variance, cov_t, &dmu, &dvar, &dcov_t);
  Eigen::VectorXd g = dmu * pg.dmean;
  // The posterior variance is clipped at 0; below the floor its gradient is meaningless.
  if (pg.variance > 0) g += dvar * pg.dvariance;
  if (kg) {
    const Eigen::MatrixXd dcov =
        amp_ * (kern.input_gradient(kparams_, x, spec_.targets) - dkx * G_);  // d x J
    g += dcov * dcov_t;
  }
  *grad = g.head(k());
  return v;
}

Eigen::VectorXd Acquisition::values(int pair, const Eigen::MatrixXd& W) const {
  if (W.cols() != k())
    throw Error("acquisition: mixtures have " + std::to_string(W.cols()) + " columns, expected " +
                std::to_string(k()));
  const auto& pr = spec_.pairs.at(static_cast<size_t>(pair));
  Eigen::MatrixXd X(W.rows(), k() + 2);
  X.leftCols(k()) = W;
  X.col(k()).setConstant(pr.log_params);
  X.col(k() + 1).setConstant(pr.log_steps);
  if (spec_.kind == AcqKind::kMesPerCost) return mes_values(pair, X);
  const auto& kern = gp_->model().kernel();
  const bool kg = spec_.kind == AcqKind::kTargetEiPerCost;
  Eigen::VectorXd out(W.rows());
  const Eigen::VectorXd none;
  // Blocks keep the n x block temporaries small (no fresh pages for every call). One kernel
  // evaluation per block serves the posterior (one triangular solve, O(n^2) per candidate)
  // and the target covariances.
  constexpr Eigen::Index kBlock = 64;
  for (Eigen::Index b0 = 0; b0 < X.rows(); b0 += kBlock) {
    const Eigen::Index m = std::min(kBlock, X.rows() - b0);
    const Eigen::MatrixXd Xs = X.middleRows(b0, m);
    const Eigen::MatrixXd Kx = kern.cross(kparams_, gp_->X(), Xs);  // n x m, unit scale
    const Posterior post = gp_->predict(Xs, Kx);
    Eigen::MatrixXd C;
    if (kg) C = amp_ * (kern.cross(kparams_, Xs, spec_.targets) - Kx.transpose() * G_);
    for (Eigen::Index i = 0; i < m; ++i)
      out[b0 + i] = from_moments(pair, post.mean[i], post.variance[i],
                                 kg ? Eigen::VectorXd(C.row(i).transpose()) : none, nullptr,
                                 nullptr, nullptr);
  }
  return out;
}

}  // namespace mixbo
