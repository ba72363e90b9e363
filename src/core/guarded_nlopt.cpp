#include "mixbo/core/guarded_nlopt.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace mixbo {

void* GuardedNlopt::keep(nlopt::func f, nlopt::vfunc vf, void* data) {
  callbacks_.push_back({this, f, vf, data});
  return &callbacks_.back();
}

void GuardedNlopt::set_min_objective(nlopt::func f, void* data) {
  opt_.set_min_objective(&GuardedNlopt::call, keep(f, nullptr, data));
}
void GuardedNlopt::set_min_objective(nlopt::vfunc f, void* data) {
  opt_.set_min_objective(&GuardedNlopt::call, keep(nullptr, f, data));
}
void GuardedNlopt::add_equality_constraint(nlopt::func f, void* data, double tol) {
  opt_.add_equality_constraint(&GuardedNlopt::call, keep(f, nullptr, data), tol);
}
void GuardedNlopt::add_equality_constraint(nlopt::vfunc f, void* data, double tol) {
  opt_.add_equality_constraint(&GuardedNlopt::call, keep(nullptr, f, data), tol);
}

double GuardedNlopt::call(unsigned n, const double* x, double* grad, void* callback) {
  auto& c = *static_cast<Callback*>(callback);
  try {
    if (c.f) return c.f(n, x, grad, c.data);
    // The vector form, as nlopt::opt calls it: an empty gradient when none is wanted.
    std::vector<double> xv(x, x + n), gv(grad ? n : 0);
    const double v = c.vf(xv, gv, c.data);
    if (grad) std::copy(gv.begin(), gv.end(), grad);
    return v;
  } catch (...) {
    if (!c.self->error_) c.self->error_ = std::current_exception();
    c.self->opt_.force_stop();  // NLopt returns after this evaluation
    if (grad) std::fill(grad, grad + n, 0.0);
    return HUGE_VAL;
  }
}

nlopt::result GuardedNlopt::optimize(std::vector<double>& x, double& value) {
  error_ = nullptr;
  opt_.set_force_stop(0);  // a callback's earlier exception stopped the last run
  nlopt::result status = nlopt::FAILURE;
  try {
    status = opt_.optimize(x, value);
  } catch (const nlopt::roundoff_limited&) {
    status = nlopt::ROUNDOFF_LIMITED;
  } catch (const nlopt::forced_stop&) {
    status = nlopt::FORCED_STOP;
  } catch (const std::runtime_error&) {
    status = nlopt::FAILURE;  // NLopt's generic failure (its only other runtime_error)
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return status;
}

double simplex_sum_constraint(const std::vector<double>& x, std::vector<double>& grad, void*) {
  if (!grad.empty()) std::fill(grad.begin(), grad.end(), 1.0);
  return std::accumulate(x.begin(), x.end(), 0.0) - 1.0;
}

}  // namespace mixbo
