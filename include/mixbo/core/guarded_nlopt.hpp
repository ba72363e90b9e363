#pragma once
// An nlopt::opt whose objective and constraints may throw. NLopt's own C++ wrapper catches an
// exception thrown inside a callback and reports it as a status (NLOPT_FAILURE for most), so a
// bug in an objective would read as "the optimiser gave up". Here every callback goes through a
// trampoline that stores the first exception (std::exception_ptr), stops NLopt (force_stop) and
// optimize() rethrows it, unchanged, once NLopt has returned.
//
// What comes back as a status instead: NLopt's own outcomes, roundoff limited, forced stop and
// its generic failure (e.g. SLSQP giving up on a singular step). Invalid arguments
// (std::invalid_argument) and out-of-memory (std::bad_alloc) still throw, as from nlopt::opt.
// A NumericalError from a callback therefore leaves optimize() as a NumericalError: for a
// multi-start problem that is "this start failed" (par/team.hpp).
#include <deque>
#include <exception>
#include <nlopt.hpp>
#include <vector>

namespace mixbo {

class GuardedNlopt {
 public:
  GuardedNlopt(nlopt::algorithm algorithm, unsigned dim) : opt_(algorithm, dim) {}
  GuardedNlopt(const GuardedNlopt&) = delete;
  GuardedNlopt& operator=(const GuardedNlopt&) = delete;

  // Bounds, tolerances and evaluation limits are set here directly; objectives and constraints
  // only through the calls below (they would bypass the trampoline otherwise).
  nlopt::opt& opt() { return opt_; }

  void set_min_objective(nlopt::func f, void* data);
  void set_min_objective(nlopt::vfunc f, void* data);
  void add_equality_constraint(nlopt::func f, void* data, double tol);
  void add_equality_constraint(nlopt::vfunc f, void* data, double tol);

  // NLopt's result code (negative for roundoff limited, forced stop, failure); x and value as
  // NLopt left them. Rethrows the exception a callback threw.
  nlopt::result optimize(std::vector<double>& x, double& value);

 private:
  struct Callback {
    GuardedNlopt* self;
    nlopt::func f;
    nlopt::vfunc vf;
    void* data;
  };
  static double call(unsigned n, const double* x, double* grad, void* callback);
  void* keep(nlopt::func f, nlopt::vfunc vf, void* data);

  nlopt::opt opt_;
  std::deque<Callback> callbacks_;  // stable addresses: NLopt holds pointers to them
  std::exception_ptr error_;
};

// The mixture constraint sum x = 1 as an NLopt equality constraint (vector form, with its
// gradient when asked): every simplex search (acquisition, dense optimum, surrogate minimum).
double simplex_sum_constraint(const std::vector<double>& x, std::vector<double>& grad, void*);

}  // namespace mixbo
