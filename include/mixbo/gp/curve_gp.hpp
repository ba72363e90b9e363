#pragma once
// The GP on every checkpoint of every run: the same model as the exact GP (gaussian_process.hpp,
// same GpModel and theta), solved through the runs x step-grid structure of learning curves.
//
// A run's checkpoints share its mixture and scale, so with a kernel that is a product
// k_run(mixture, scale) * k_steps(steps) (kernels.hpp, split_steps) the covariance of all
// observations is the observed part of a Kronecker product: entry (i, j) is
//     s2 K_U[run_i, run_j] K_T[step_i, step_j],
// K_U over the R runs, K_T over the S distinct step values (the grid). This is the model of
// latent Kronecker GPs (Lin et al. 2024, 2025), which solve it with conjugate gradients and
// stochastic trace estimates. Here it is solved exactly instead, because learning-curve kernels
// are smooth in steps: K_T's eigenvalues fall off geometrically (expdecay on 195 checkpoints
// keeps ~10 above 1e-12 of the largest), so K_T = Phi Phi' with Phi = Q_q Lambda_q^{1/2}, q << S,
// drops a remainder far below the noise (CurveOptions::truncation). Then
//     K = C C' + noise I,   C = Psi (B_U (x) I_q) sqrt(s2),   B_U B_U' = K_U,
// Psi = blockdiag over runs of Phi's rows at the run's checkpoints, and Woodbury's identity
// turns every n x n operation into one with M = I + C'C / noise (Rq x Rq): one Cholesky of
// R*q = 1000 rows for 100 runs x 100 checkpoints (n = 10,000) instead of one of 10,000. The
// likelihood, its analytic gradient (every kernel parameter's trace term as a contraction of
// K_U's or K_T's derivative with an R x R or S x S weight matrix: Kernel::add_param_gradient)
// and the posterior are deterministic, so a fit's L-BFGS sees a smooth objective and MPI ranks
// get bit-identical answers.
//
// Runs may have any subset of the grid (runs stopped early, checkpoints that failed); runs with
// the same mixture and scale (continued runs) make K_U singular, which the eigen factor B_U
// handles. Cost per likelihood + gradient: O(R^3 + S^3 + (Rq)^3 + S (Rq)^2).
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <optional>
#include <vector>

#include "mixbo/gp/gp_model.hpp"
#include "mixbo/gp/kernels.hpp"

namespace mixbo {

// Observations laid out as runs x step grid. Built from feature rows and the run of each row.
struct CurveGrid {
  Eigen::MatrixXd runs;   // R x dim: each run's feature row (its steps column is not read)
  Eigen::MatrixXd steps;  // S x dim: the grid's distinct steps values (other columns 0)
  std::vector<int> run;   // per observation: its run (0..R-1)
  std::vector<int> step;  // per observation: its grid index (0..S-1)
  int n() const { return static_cast<int>(run.size()); }
  int num_runs() const { return static_cast<int>(runs.rows()); }
  int num_steps() const { return static_cast<int>(steps.rows()); }
  // X: n x dim feature rows; run_of_row: the run of each row (any labels; rows of one run must
  // agree on every column but steps, else Error naming the row). The grid is the sorted set of
  // distinct steps values. A run must not report the same steps value twice (Error naming it).
  static CurveGrid from_rows(const Eigen::MatrixXd& X, const std::vector<int>& run_of_row);
  Eigen::MatrixXd rows() const;  // the n x dim feature rows back, in observation order
};

struct CurveOptions {
  // K_T's eigenpairs are kept until the dropped ones sum to less than this fraction of the noise
  // variance, divided by s2 * max diag(K_U): the dropped covariance of any one observation is
  // then below truncation * noise (1% of the noise's standard deviation at 1e-4), and the
  // likelihood moves by less than n * truncation / 2. Measured on the bench data (bench_gp
  // --curves 100x100, n = 10,000, at the fitted optimum): 1e-4 keeps rank 11 and moves the
  // likelihood by 0.004 (bound 0.5) and the target RMSE not at all against 1e-6 (rank 13), and
  // halves the fit's time, because the fit passes through low-noise hyperparameters where the
  // tighter criterion keeps up to max_rank; 1e-2 keeps rank 9 and moves the likelihood by 0.2.
  double truncation = 1e-4;
  // At most this many eigenpairs whatever the noise: a fit passes through nearly noise-free
  // hyperparameters where the criterion above would keep 50+ (demo campaign, 18 runs), and the
  // cost grows with the cube of rank x runs. Beyond the cap the model is the rank-max_rank
  // steps kernel, a GP in its own right whose kernel misses only the smallest eigenvalues
  // (expdecay's fall off geometrically: the 24th is below 1e-12 of the first on 195 steps).
  int max_rank = 24;
};

// The factorised model at one theta: what the likelihood, its gradient and the posterior share.
class CurveGp {
 public:
  // y: n standardised outputs in grid order. Throws ConfigError if the model's kernel does not
  // split (split_steps), NumericalError if M cannot be factorised.
  CurveGp(const GpModel& model, const StepSplit& split, const CurveGrid& grid,
          const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
          const CurveOptions& options = {});
  double log_marginal_likelihood() const { return lml_; }
  // d LML / d theta (analytic; theta laid out as in gp_model.hpp).
  Eigen::VectorXd gradient() const;
  // Posterior mean and latent variance at the rows of Xs, in the standardised units of ys.
  Eigen::VectorXd mean(const Eigen::MatrixXd& Xs) const;
  Eigen::VectorXd variance(const Eigen::MatrixXd& Xs) const;
  // d mean / dx at one point (feature space, standardised units).
  Eigen::VectorXd mean_gradient(const Eigen::VectorXd& x) const;
  int rank() const { return q_; }  // eigenpairs of K_T kept

 private:
  Eigen::MatrixXd psi_t(const Eigen::VectorXd& v) const;        // Psi' v as R x q (run, latent)
  Eigen::VectorXd c_transpose(const Eigen::MatrixXd& Z) const;  // C' v from Z = psi_t(v)
  Eigen::VectorXd c_apply(const Eigen::VectorXd& u) const;      // C u (n)

  const GpModel* model_;
  const StepSplit* split_;
  const CurveGrid* grid_;
  Eigen::VectorXd theta_, p_run_, p_steps_;
  double s2_ = 1, noise_ = 1, lml_ = 0;
  int q_ = 0;
  Eigen::MatrixXd Ku_;    // R x R (unit scale)
  Eigen::MatrixXd Phi_;   // S x q
  Eigen::MatrixXd Bu_;    // R x R, Bu Bu' = Ku
  Eigen::MatrixXd F_;     // R x q^2: column l q + m holds (Phi_a' Phi_a)_lm over runs a
  Eigen::MatrixXd rows_;  // the observations' feature rows (for the mean)
  Eigen::VectorXd r_;     // ys - m
  Eigen::LLT<Eigen::MatrixXd> M_;
  Eigen::VectorXd alpha_;  // K^-1 (ys - m)
  Eigen::MatrixXd A_;      // S x R: alpha scattered onto the grid (0 where unobserved)
  Eigen::MatrixXd mask_;   // S x R: 1 where run a has observed grid step s
};

// log N(ys | m, K) through CurveGp, with its gradient when grad != nullptr; plus the model's log
// prior (log_posterior, the MAP objective).
double curve_log_posterior(const GpModel& model, const StepSplit& split, const CurveGrid& grid,
                           const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                           Eigen::VectorXd* grad = nullptr, const CurveOptions& options = {});

}  // namespace mixbo
