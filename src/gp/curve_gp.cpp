#include "mixbo/gp/curve_gp.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/cholesky.hpp"

// Latent coordinates are ordered (l, a) -> l * R + a: latent function l of K_T's eigenbasis, run
// a. In that order B_U (x) I_q of the header is I_q (x) B_U, block diagonal, so every product
// with it is q GEMMs with B_U on R-row blocks.

namespace mixbo {

CurveGrid CurveGrid::from_rows(const Eigen::MatrixXd& X, const std::vector<int>& run_of_row) {
  if (static_cast<size_t>(X.rows()) != run_of_row.size())
    throw Error("curve grid: " + std::to_string(X.rows()) + " rows but " +
                std::to_string(run_of_row.size()) + " run labels");
  if (X.cols() < 1) throw Error("curve grid: feature rows have no columns");
  const Eigen::Index sc = X.cols() - 1;  // the steps column is the last (kernel.hpp)
  std::map<double, int> grid;
  for (Eigen::Index i = 0; i < X.rows(); ++i) grid.emplace(X(i, sc), 0);
  int s = 0;
  for (auto& [value, index] : grid) index = s++;
  std::map<int, int> runs;
  CurveGrid g;
  std::vector<Eigen::Index> first;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const auto [it, fresh] =
        runs.try_emplace(run_of_row[static_cast<size_t>(i)], static_cast<int>(first.size()));
    if (fresh) first.push_back(i);
    const Eigen::Index f = first[static_cast<size_t>(it->second)];
    if ((X.row(i).head(sc) - X.row(f).head(sc)).cwiseAbs().maxCoeff() > 0)
      throw Error("curve grid: row " + std::to_string(i) + " has run label " +
                  std::to_string(it->first) + " but another mixture or scale than row " +
                  std::to_string(f));
    g.run.push_back(it->second);
    g.step.push_back(grid.at(X(i, sc)));
  }
  g.runs.resize(static_cast<Eigen::Index>(first.size()), X.cols());
  for (size_t a = 0; a < first.size(); ++a)
    g.runs.row(static_cast<Eigen::Index>(a)) = X.row(first[a]);
  g.steps = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(grid.size()), X.cols());
  for (const auto& [value, index] : grid) g.steps(index, sc) = value;
  std::vector<char> seen(first.size() * grid.size(), 0);
  for (size_t i = 0; i < g.run.size(); ++i) {
    char& c = seen[static_cast<size_t>(g.run[i]) * grid.size() + static_cast<size_t>(g.step[i])];
    if (c)
      throw Error("curve grid: row " + std::to_string(i) + " repeats a steps value of its run");
    c = 1;
  }
  return g;
}

Eigen::MatrixXd CurveGrid::rows() const {
  Eigen::MatrixXd X(n(), runs.cols());
  const Eigen::Index sc = runs.cols() - 1;
  for (int i = 0; i < n(); ++i) {
    X.row(i) = runs.row(run[static_cast<size_t>(i)]);
    X(i, sc) = steps(step[static_cast<size_t>(i)], sc);
  }
  return X;
}

namespace {

Eigen::VectorXd gather(const Eigen::VectorXd& p, const std::vector<int>& idx) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(idx.size()));
  for (size_t i = 0; i < idx.size(); ++i) out[static_cast<Eigen::Index>(i)] = p[idx[i]];
  return out;
}

}  // namespace

CurveGp::CurveGp(const GpModel& model, const StepSplit& split, const CurveGrid& grid,
                 const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                 const CurveOptions& options)
    : model_(&model), split_(&split), grid_(&grid), theta_(theta) {
  if (theta.size() != model.num_params())
    throw Error("curve GP: hyperparameter vector has " + std::to_string(theta.size()) +
                " entries, the model needs " + std::to_string(model.num_params()));
  if (ys.size() != grid.n())
    throw Error("curve GP: " + std::to_string(ys.size()) + " outputs for " +
                std::to_string(grid.n()) + " observations");
  const Eigen::VectorXd p = model.kernel_params(theta);
  p_run_ = gather(p, split.run_params);
  p_steps_ = gather(p, split.step_params);
  s2_ = model.signal_variance(theta);
  noise_ = model.noise_variance(theta);
  const int R = grid.num_runs(), S = grid.num_steps(), n = grid.n();

  Ku_ = split.run->gram(p_run_, grid.runs);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> et(
      split.steps->gram(p_steps_, grid.steps));  // ascending eigenvalues
  if (et.info() != Eigen::Success) throw NumericalError("curve GP: eigen of the steps kernel");
  const Eigen::VectorXd lam = et.eigenvalues().cwiseMax(0.0);
  const double budget =
      options.truncation * noise_ / (s2_ * std::max(Ku_.diagonal().maxCoeff(), 1e-300));
  int drop = 0;
  for (double acc = 0; drop < S - 1 && acc + lam[drop] < budget; ++drop) acc += lam[drop];
  q_ = std::min(S - drop, std::max(1, options.max_rank));
  Phi_ = et.eigenvectors().rightCols(q_) * lam.tail(q_).cwiseSqrt().asDiagonal();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eu(Ku_);
  if (eu.info() != Eigen::Success) throw NumericalError("curve GP: eigen of the run kernel");
  Bu_ = eu.eigenvectors() * eu.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();

  // F_a = Phi_a' Phi_a for every run, as q x q matrices of vectors over runs: F[l * q + m](a).
  Eigen::MatrixXd F = Eigen::MatrixXd::Zero(R, q_ * q_);
  for (int i = 0; i < n; ++i) {
    const auto phi = Phi_.row(grid.step[static_cast<size_t>(i)]);
    const int a = grid.run[static_cast<size_t>(i)];
    for (int l = 0; l < q_; ++l)
      for (int m = 0; m <= l; ++m) F(a, l * q_ + m) += phi[l] * phi[m];
  }
  for (int l = 0; l < q_; ++l)
    for (int m = l + 1; m < q_; ++m) F.col(l * q_ + m) = F.col(m * q_ + l);
  F_ = F;

  // M = I + C'C / noise, C'C block (l, m) = s2 B_U' diag(F_lm) B_U (lower blocks only).
  const int N = q_ * R;
  Eigen::MatrixXd M(N, N);
  for (int l = 0; l < q_; ++l)
    for (int m = 0; m <= l; ++m)
      M.block(l * R, m * R, R, R).noalias() =
          (s2_ / noise_) * Bu_.transpose() * (F.col(l * q_ + m).asDiagonal() * Bu_);
  M.diagonal().array() += 1.0;
  M_.compute(M);  // reads the lower triangle
  if (M_.info() != Eigen::Success)
    throw NumericalError("curve GP: Woodbury matrix not positive definite");

  rows_ = grid.rows();
  r_ = ys - model.mean(theta, rows_);
  // alpha = (r - C M^-1 C' r / noise) / noise.
  const Eigen::VectorXd Ctr = c_transpose(psi_t(r_));
  const Eigen::VectorXd u = M_.solve(Ctr);
  alpha_ = (r_ - c_apply(u) / noise_) / noise_;
  A_ = Eigen::MatrixXd::Zero(S, R);
  mask_ = Eigen::MatrixXd::Zero(S, R);
  for (int i = 0; i < n; ++i) {
    A_(grid.step[static_cast<size_t>(i)], grid.run[static_cast<size_t>(i)]) = alpha_[i];
    mask_(grid.step[static_cast<size_t>(i)], grid.run[static_cast<size_t>(i)]) = 1;
  }
  const double rKr = r_.dot(alpha_);
  const double logdet = n * std::log(noise_) + 2 * M_.matrixLLT().diagonal().array().log().sum();
  lml_ = -0.5 * rKr - 0.5 * logdet - 0.5 * n * std::log(2 * std::numbers::pi);
}

Eigen::MatrixXd CurveGp::psi_t(const Eigen::VectorXd& v) const {
  const int R = grid_->num_runs();
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(R, q_);
  for (int i = 0; i < grid_->n(); ++i)
    Z.row(grid_->run[static_cast<size_t>(i)]) +=
        v[i] * Phi_.row(grid_->step[static_cast<size_t>(i)]);
  return Z;
}

Eigen::VectorXd CurveGp::c_transpose(const Eigen::MatrixXd& Z) const {
  const Eigen::MatrixXd BZ = std::sqrt(s2_) * Bu_.transpose() * Z;  // R x q
  return Eigen::Map<const Eigen::VectorXd>(BZ.data(), BZ.size());
}

Eigen::VectorXd CurveGp::c_apply(const Eigen::VectorXd& u) const {
  const int R = grid_->num_runs();
  const Eigen::MatrixXd V =
      std::sqrt(s2_) * Bu_ * Eigen::Map<const Eigen::MatrixXd>(u.data(), R, q_);
  Eigen::VectorXd out(grid_->n());
  for (int i = 0; i < grid_->n(); ++i)
    out[i] = V.row(grid_->run[static_cast<size_t>(i)])
                 .dot(Phi_.row(grid_->step[static_cast<size_t>(i)]));
  return out;
}

Eigen::VectorXd CurveGp::gradient() const {
  const GpModel& model = *model_;
  const int R = grid_->num_runs(), S = grid_->num_steps(), n = grid_->n(), N = q_ * R;
  Eigen::VectorXd grad = Eigen::VectorXd::Zero(model.num_params());

  // M^-1 and N = (I (x) B_U) M^-1 (I (x) B_U'): the low-rank part of K^-1 is s2 Psi N Psi' /
  // noise^2.
  Eigen::MatrixXd Minv = M_.matrixLLT();
  inverse_from_cholesky_in_place(Minv);  // 2/3 N^3 flops, a third of a solve against I
  // Only M^-1's lower block triangle is read below, its diagonal blocks whole.
  for (int l = 0; l < q_; ++l)
    for (int j = l * R; j < (l + 1) * R; ++j)
      for (int i = j + 1; i < (l + 1) * R; ++i) Minv(j, i) = Minv(i, j);
  // N is symmetric: its block rows l >= m are formed and mirrored.
  Eigen::MatrixXd Nm(N, N);
  {
    Eigen::MatrixXd T(N, N);
    for (int l = 0; l < q_; ++l)
      T.block(l * R, 0, R, (l + 1) * R).noalias() = Bu_ * Minv.block(l * R, 0, R, (l + 1) * R);
    for (int m = 0; m < q_; ++m)
      Nm.block(m * R, m * R, N - m * R, R).noalias() =
          T.block(m * R, m * R, N - m * R, R) * Bu_.transpose();
    mirror_lower_to_upper(Nm);
  }
  const double tr_kinv = (n - (N - Minv.trace())) / noise_;
  const double a2 = alpha_.squaredNorm();
  grad[model.signal_index()] = 0.5 * (r_.dot(alpha_) - noise_ * a2 - n + noise_ * tr_kinv);
  grad[model.noise_index()] = 0.5 * std::exp(theta_[model.noise_index()]) * (a2 - tr_kinv);
  grad[model.mean_index()] = alpha_.sum();
  if (model.options().linear_mean)
    grad.segment(model.mean_index() + 1, model.dim()) =
        model.mean_design(rows_).transpose() * alpha_;

  const double h = 0.5 * s2_, c = s2_ / (noise_ * noise_);
  // Run kernel: W_U = h [beta beta' - diag(tr F_a) / noise + c <N_ab, F_a F_b>].
  {
    const Eigen::MatrixXd beta = psi_t(alpha_);  // R x q
    Eigen::MatrixXd W = beta * beta.transpose();
    for (int l = 0; l < q_; ++l) W.diagonal() -= F_.col(l * q_ + l) / noise_;
    Eigen::MatrixXd X(R, R);
    for (int l = 0; l < q_; ++l)
      for (int k = 0; k < q_; ++k) {
        // X_lk = sum_m N_lm o (1 F_km'), then W += c diag(F_lk) X_lk.
        X.noalias() = Nm.block(l * R, 0, R, R) * F_.col(k * q_).asDiagonal();
        for (int m = 1; m < q_; ++m)
          X.noalias() += Nm.block(l * R, m * R, R, R) * F_.col(k * q_ + m).asDiagonal();
        W.noalias() += c * (F_.col(l * q_ + k).asDiagonal() * X);
      }
    W *= h;
    W = 0.5 * (W + W.transpose()).eval();
    Eigen::VectorXd g = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(split_->run_params.size()));
    split_->run->add_param_gradient(p_run_, grid_->runs, W, g);
    for (size_t i = 0; i < split_->run_params.size(); ++i)
      grad[split_->run_params[i]] += g[static_cast<Eigen::Index>(i)];
  }
  // Steps kernel: W_T = h [A K_U A' - diag(D) / noise + c Phi^ Z Phi^'], A the S x R scatter of
  // alpha, D_s = sum of K_U[a, a] over the runs observed at s, Z = N o (1 (x) K_U), Phi^ (S x N)
  // with column (l, a) = Phi[:, l] on the grid points run a has observed.
  {
    Eigen::MatrixXd W = A_ * Ku_ * A_.transpose();
    W.diagonal() -= mask_ * Ku_.diagonal() / noise_;
    Eigen::MatrixXd Phat(S, N);
    for (int l = 0; l < q_; ++l)
      Phat.middleCols(l * R, R) = mask_.array().colwise() * Phi_.col(l).array();
    Eigen::MatrixXd& Z = Nm;  // N is not read again: Z is formed in its place
    for (int l = 0; l < q_; ++l)
      for (int m = 0; m < q_; ++m) Z.block(l * R, m * R, R, R).array() *= Ku_.array();
    const Eigen::MatrixXd PZ = Phat * Z;
    W.noalias() += c * (PZ * Phat.transpose());
    W *= h;
    W = 0.5 * (W + W.transpose()).eval();
    Eigen::VectorXd g =
        Eigen::VectorXd::Zero(static_cast<Eigen::Index>(split_->step_params.size()));
    split_->steps->add_param_gradient(p_steps_, grid_->steps, W, g);
    for (size_t i = 0; i < split_->step_params.size(); ++i)
      grad[split_->step_params[i]] += g[static_cast<Eigen::Index>(i)];
  }
  return grad;
}

Eigen::VectorXd CurveGp::mean(const Eigen::MatrixXd& Xs) const {
  const Eigen::MatrixXd ku = split_->run->cross(p_run_, grid_->runs, Xs);       // R x m
  const Eigen::MatrixXd kt = split_->steps->cross(p_steps_, grid_->steps, Xs);  // S x m
  const Eigen::MatrixXd Akt = A_.transpose() * kt;                              // R x m
  return model_->mean(theta_, Xs) +
         s2_ * (ku.array() * Akt.array()).colwise().sum().transpose().matrix();
}

Eigen::VectorXd CurveGp::mean_gradient(const Eigen::VectorXd& x) const {
  const Eigen::MatrixXd xr = x.transpose();
  const Eigen::VectorXd ku = split_->run->cross(p_run_, grid_->runs, xr).col(0);       // R
  const Eigen::VectorXd kt = split_->steps->cross(p_steps_, grid_->steps, xr).col(0);  // S
  // mean = m(x) + s2 ku' A' kt: each side's input gradient against the other side's weights.
  const Eigen::VectorXd g =
      split_->run->input_gradient(p_run_, x, grid_->runs) * (A_.transpose() * kt) +
      split_->steps->input_gradient(p_steps_, x, grid_->steps) * (A_ * ku);
  return model_->mean_gradient(theta_) + s2_ * g;
}

Eigen::VectorXd CurveGp::variance(const Eigen::MatrixXd& Xs) const {
  const int R = grid_->num_runs();
  const Eigen::MatrixXd ku = split_->run->cross(p_run_, grid_->runs, Xs);       // R x m
  const Eigen::MatrixXd kt = split_->steps->cross(p_steps_, grid_->steps, Xs);  // S x m
  const Eigen::Index m = Xs.rows();
  // ||k*||^2 = s2^2 sum_a ku[a]^2 sum_{s in a} kt[s]^2.
  const Eigen::MatrixXd kt2 = mask_.transpose() * kt.array().square().matrix();  // R x m
  const Eigen::VectorXd kk =
      s2_ * s2_ * (ku.array().square() * kt2.array()).colwise().sum().transpose().matrix();
  // C' k* = sqrt(s2) (I (x) B_U') Psi' k*, Psi' k* block l = s2 ku o (mask' (Phi_l o kt)).
  Eigen::MatrixXd Ck(q_ * R, m);
  for (int l = 0; l < q_; ++l) {
    const Eigen::MatrixXd pk =
        mask_.transpose() * (kt.array().colwise() * Phi_.col(l).array()).matrix();
    Ck.middleRows(l * R, R).noalias() =
        std::sqrt(s2_) * Bu_.transpose() * (s2_ * (ku.array() * pk.array())).matrix();
  }
  M_.matrixL().solveInPlace(Ck);
  const Eigen::VectorXd quad = (kk - Ck.colwise().squaredNorm().transpose() / noise_) / noise_;
  const Eigen::VectorXd prior = s2_ * (split_->run->diagonal(p_run_, Xs).array() *
                                       split_->steps->diagonal(p_steps_, Xs).array())
                                          .matrix();
  return (prior - quad).cwiseMax(0.0);
}

double curve_log_posterior(const GpModel& model, const StepSplit& split, const CurveGrid& grid,
                           const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                           Eigen::VectorXd* grad, const CurveOptions& options) {
  const CurveGp gp(model, split, grid, ys, theta, options);
  if (grad) *grad = gp.gradient();
  return gp.log_marginal_likelihood() + model.log_prior(theta, grad);
}

}  // namespace mixbo
