#!/usr/bin/python3
"""One run: bench_gp (mixbo's LML+gradient vs Cholesky table, and one BO iteration at n = 500 on
one rank), then a scikit-learn GaussianProcessRegressor fit with 16 restarts on the SAME data
(bench_gp --data-out), with the same kernel structure:

    mixbo:   y_s ~ GP(c, s2 * matern52(mixture) * rbf(scale) * expdecay(steps)) + noise,
             MAP fit (log marginal likelihood + log priors), L-BFGS, 16 starts;
    sklearn: y_s ~ GP(0, C * [the same product kernel, written below]) + WhiteKernel,
             maximum likelihood, L-BFGS-B, 16 starts (n_restarts_optimizer = 15).

Both see the same standardised outputs y_s, and both report the log marginal likelihood of
their fitted model on y_s (mixbo's at its MAP theta; sklearn's log_marginal_likelihood_value_).
mixbo's model also has a constant mean (sklearn's has none) and its lengthscales sit under
log-normal priors, so mixbo's LML is at a MAP point, not at the LML's maximum. bench_gp also
fits the same model with flat priors (its `ml_fit` line: maximum likelihood, the objective
scikit-learn maximises, same bounds on every kernel parameter); that LML is the like-for-like
comparison, printed as ml_at_least_as_high.

    bench/gp_vs_sklearn.py [--bench build/release/bench/bench_gp] [--n 500,1000,2000] [--reps 5]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (ConstantKernel, Hyperparameter, Kernel,
                                              WhiteKernel)

K_MIX = 7  # mixture columns; then log params (scale) and log steps
STEP_UNIT = 1000.0


class MixboDefaultKernel(Kernel):
    """matern52(mixture) * rbf(scale) * expdecay(steps) in mixbo's parameterisation
    (kernels.hpp): ARD Matern-5/2 on the k mixture columns, RBF on log params, and
    k(t, t') = w + (beta / (t + t' + beta))^alpha with t = steps / 1000."""

    def __init__(self, ls_mix=np.full(K_MIX, 0.5), ls_mix_bounds=(0.01, 100.0), ls_scale=2.0,
                 ls_scale_bounds=(0.05, 100.0), alpha=1.0, alpha_bounds=(0.05, 20.0), beta=1.0,
                 beta_bounds=(1e-3, 1e3), w=0.5, w_bounds=(1e-4, 10.0)):
        self.ls_mix = ls_mix
        self.ls_mix_bounds = ls_mix_bounds
        self.ls_scale = ls_scale
        self.ls_scale_bounds = ls_scale_bounds
        self.alpha = alpha
        self.alpha_bounds = alpha_bounds
        self.beta = beta
        self.beta_bounds = beta_bounds
        self.w = w
        self.w_bounds = w_bounds

    # sklearn orders theta by these property names, alphabetically: alpha, beta, ls_mix (7),
    # ls_scale, w; the gradient below follows that order.
    @property
    def hyperparameter_alpha(self):
        return Hyperparameter("alpha", "numeric", self.alpha_bounds)

    @property
    def hyperparameter_beta(self):
        return Hyperparameter("beta", "numeric", self.beta_bounds)

    @property
    def hyperparameter_ls_mix(self):
        return Hyperparameter("ls_mix", "numeric", self.ls_mix_bounds, len(self.ls_mix))

    @property
    def hyperparameter_ls_scale(self):
        return Hyperparameter("ls_scale", "numeric", self.ls_scale_bounds)

    @property
    def hyperparameter_w(self):
        return Hyperparameter("w", "numeric", self.w_bounds)

    def is_stationary(self):
        return False

    def diag(self, X):
        t = np.exp(X[:, K_MIX + 1]) / STEP_UNIT
        return self.w + (self.beta / (2 * t + self.beta)) ** self.alpha

    def __call__(self, X, Y=None, eval_gradient=False):
        if Y is None:
            Y = X
        elif eval_gradient:
            raise ValueError("gradient only for K(X, X)")
        ls = np.asarray(self.ls_mix, dtype=float)
        d = (X[:, None, :K_MIX] - Y[None, :, :K_MIX]) / ls  # n x m x k
        r2 = np.einsum("abk,abk->ab", d, d)
        s = np.sqrt(5.0 * r2)
        e = np.exp(-s)
        km = (1 + s + s * s / 3) * e
        ds2 = (X[:, None, K_MIX] - Y[None, :, K_MIX]) ** 2 / self.ls_scale ** 2
        kr = np.exp(-0.5 * ds2)
        t1 = np.exp(X[:, K_MIX + 1]) / STEP_UNIT
        t2 = np.exp(Y[:, K_MIX + 1]) / STEP_UNIT
        S = t1[:, None] + t2[None, :] + self.beta
        logq = np.log(self.beta / S)
        P = np.exp(self.alpha * logq)
        ke = self.w + P
        K = km * kr * ke
        if not eval_gradient:
            return K
        grads = []
        other = km * kr
        grads.append(other * self.alpha * P * logq)  # d/dlog alpha
        grads.append(other * self.alpha * P * (S - self.beta) / S)  # d/dlog beta
        gm = (5.0 / 3.0) * (1 + s) * e * kr * ke  # dk/dlog l_d = G (dx_d / l_d)^2
        for j in range(K_MIX):
            grads.append(gm * d[:, :, j] ** 2)
        grads.append(km * kr * ds2 * ke)  # d/dlog l_scale
        grads.append(other * self.w)  # d/dlog w
        return K, np.stack(grads, axis=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bench", default=os.path.join(here, "..", "build", "release", "bench",
                                                     "bench_gp"))
    ap.add_argument("--n", default="500,1000,2000", help="P4 sizes for bench_gp (0: skip)")
    ap.add_argument("--reps", default="5")
    ap.add_argument("--iteration-n", default="500")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "data.csv")
        cmd = [a.bench, "--n", a.n, "--reps", a.reps, "--iteration-n", a.iteration_n,
               "--data-out", csv]
        out = subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE).stdout
        sys.stdout.write(out)
        sys.stdout.flush()
        data = np.loadtxt(csv, delimiter=",", skiprows=1)
    X, ys = data[:, :-1], data[:, -1]
    ours = dict(kv.split("=", 1) for kv in
                next(l for l in out.splitlines() if l.startswith("iteration ")).split()[1:])
    # mixbo's fit is MAP (log-normal priors); `ml_fit` is the same fit maximising the likelihood
    # alone, which is what scikit-learn does: the like-for-like comparison of likelihoods.
    ours_ml = dict(kv.split("=", 1) for kv in
                   next(l for l in out.splitlines() if l.startswith("ml_fit ")).split()[1:])

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * MixboDefaultKernel() + \
        WhiteKernel(1e-2, (1e-6, 1.0))
    gpr = GaussianProcessRegressor(kernel=kernel, n_restarts_optimizer=15, normalize_y=False,
                                   random_state=0)
    t0 = time.perf_counter()
    gpr.fit(X, ys)
    t_sk = time.perf_counter() - t0
    lml_sk = gpr.log_marginal_likelihood_value_
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"# scikit-learn {__import__('sklearn').__version__}: 16-start fit on the same "
          f"{len(ys)} rows, load average {load}")
    print(f"sklearn fit_s={t_sk:.3f} lml={lml_sk:.6f} kernel={gpr.kernel_}")
    lml_ours = float(ours["lml"])
    lml_ml = float(ours_ml["lml"])
    print(f"compare n={len(ys)} mixbo_fit_s={float(ours['fit_s']):.3f} "
          f"mixbo_iteration_s={float(ours['total_s']):.3f} sklearn_fit_s={t_sk:.3f} "
          f"mixbo_map_lml={lml_ours:.6f} mixbo_ml_fit_s={float(ours_ml['fit_s']):.3f} "
          f"mixbo_ml_lml={lml_ml:.6f} sklearn_lml={lml_sk:.6f} "
          f"ml_at_least_as_high={'yes' if lml_ml >= lml_sk else 'no'}")


if __name__ == "__main__":
    main()
