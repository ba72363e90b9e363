// GuardedNlopt (core/guarded_nlopt.hpp): an exception thrown inside an NLopt objective or
// constraint leaves optimize() as itself, where plain nlopt::opt turns it into a status
// (NLOPT_FAILURE), so a bug would read as "the optimiser gave up"; NLopt's own outcomes still
// come back as statuses, and a well-behaved problem is solved exactly as before.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "mixbo/core/error.hpp"
#include "mixbo/core/guarded_nlopt.hpp"

using namespace mixbo;

namespace {

struct Calls {
  int evaluations = 0;
  int throw_at = -1;  // evaluation that throws std::logic_error (-1: none)
  int numerical_at = -1;
};

// (x0 - 1)^2 + (x1 + 2)^2, minimum 0 at (1, -2).
double bowl(unsigned n, const double* x, double* g, void* data) {
  auto& c = *static_cast<Calls*>(data);
  if (++c.evaluations == c.throw_at) throw std::logic_error("bug in the objective");
  if (c.evaluations == c.numerical_at) throw NumericalError("singular");
  EXPECT_EQ(n, 2u);
  if (g) {
    g[0] = 2 * (x[0] - 1);
    g[1] = 2 * (x[1] + 2);
  }
  return (x[0] - 1) * (x[0] - 1) + (x[1] + 2) * (x[1] + 2);
}

// The same bowl in NLopt's vector form, on the plane x0 + x1 = 0 (minimum at (1.5, -1.5)).
double vbowl(const std::vector<double>& x, std::vector<double>& g, void* data) {
  return bowl(2, x.data(), g.empty() ? nullptr : g.data(), data);
}
double plane(const std::vector<double>& x, std::vector<double>& g, void* data) {
  auto& c = *static_cast<Calls*>(data);
  if (++c.evaluations == c.throw_at) throw std::logic_error("bug in the constraint");
  if (!g.empty()) g[0] = g[1] = 1;
  return x[0] + x[1];
}

}  // namespace

TEST(GuardedNlopt, SolvesAWellBehavedProblem) {
  GuardedNlopt o(nlopt::LD_LBFGS, 2);
  Calls c;
  o.set_min_objective(bowl, &c);
  o.opt().set_xtol_rel(1e-12);
  std::vector<double> x{5, 5};
  double f = -1;
  EXPECT_GT(o.optimize(x, f), 0);
  EXPECT_NEAR(x[0], 1, 1e-6);
  EXPECT_NEAR(x[1], -2, 1e-6);
  EXPECT_NEAR(f, 0, 1e-10);
}

TEST(GuardedNlopt, ConstrainedVectorForm) {
  GuardedNlopt o(nlopt::LD_SLSQP, 2);
  Calls objective, constraint;
  o.set_min_objective(vbowl, &objective);
  o.add_equality_constraint(plane, &constraint, 1e-12);
  o.opt().set_xtol_rel(1e-12);
  std::vector<double> x{0, 0};
  double f = 0;
  EXPECT_GT(o.optimize(x, f), 0);
  EXPECT_NEAR(x[0], 1.5, 1e-6);
  EXPECT_NEAR(x[1], -1.5, 1e-6);
  EXPECT_NEAR(f, 0.5, 1e-9);
}

TEST(GuardedNlopt, ObjectiveExceptionComesOutAsItself) {
  // Plain NLopt: the same objective's exception becomes a status code (what mixbo used to get).
  {
    nlopt::opt plain(nlopt::LD_LBFGS, 2);
    Calls c;
    c.throw_at = 3;
    plain.set_min_objective(bowl, &c);
    std::vector<double> x{5, 5};
    double f = 0;
    EXPECT_THROW(plain.optimize(x, f), std::runtime_error);  // "nlopt failure", not the bug
  }
  GuardedNlopt o(nlopt::LD_LBFGS, 2);
  Calls c;
  c.throw_at = 3;
  o.set_min_objective(bowl, &c);
  std::vector<double> x{5, 5};
  double f = 0;
  try {
    o.optimize(x, f);
    FAIL() << "the objective's std::logic_error was swallowed";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "bug in the objective");
  }
  EXPECT_GE(c.evaluations, 3);
  EXPECT_LE(c.evaluations, 5);  // NLopt stops within an evaluation or two of the throw
}

TEST(GuardedNlopt, ConstraintExceptionComesOutAsItself) {
  GuardedNlopt o(nlopt::LD_SLSQP, 2);
  Calls objective, constraint;
  constraint.throw_at = 2;
  o.set_min_objective(vbowl, &objective);
  o.add_equality_constraint(plane, &constraint, 1e-12);
  std::vector<double> x{0, 0};
  double f = 0;
  EXPECT_THROW(o.optimize(x, f), std::logic_error);
}

TEST(GuardedNlopt, NumericalErrorComesOutAsNumericalError) {
  GuardedNlopt o(nlopt::LD_LBFGS, 2);
  Calls c;
  c.numerical_at = 2;
  o.set_min_objective(bowl, &c);
  std::vector<double> x{5, 5};
  double f = 0;
  EXPECT_THROW(o.optimize(x, f), NumericalError);
  // The optimiser is usable again, and the stored exception is gone.
  c.numerical_at = -1;
  EXPECT_GT(o.optimize(x, f), 0);
}

TEST(GuardedNlopt, NloptsOwnOutcomesAreStatuses) {
  // A forced stop that no exception caused comes back as NLopt's status, not as nlopt's
  // forced_stop exception.
  struct Stopper {
    nlopt::opt* opt;
    Calls calls;
  };
  GuardedNlopt o(nlopt::LD_LBFGS, 2);
  Stopper s{&o.opt(), {}};
  o.set_min_objective(
      [](unsigned n, const double* x, double* g, void* data) {
        auto& st = *static_cast<Stopper*>(data);
        if (st.calls.evaluations == 1) st.opt->force_stop();
        return bowl(n, x, g, &st.calls);
      },
      &s);
  std::vector<double> x{5, 5};
  double f = 0;
  EXPECT_EQ(o.optimize(x, f), nlopt::FORCED_STOP);
}
