#pragma once
// A multi-start problem that fails on purpose, for the failure policy every Team shares
// (par/team.hpp): start[0] is the task index; task `numerical_at` throws a NumericalError (one
// failed start), task `logic_at` a std::logic_error (a bug: the run ends), on any rank; every
// other task returns values derived from its index.
#include <memory>
#include <stdexcept>
#include <string>

#include "mixbo/core/error.hpp"
#include "mixbo/par/multistart.hpp"

namespace mixbo::test {

class ThrowingProblem final : public MultiStartProblem {
 public:
  static constexpr const char* kKind = "test-throwing";
  ThrowingProblem(long long numerical_at, long long logic_at)
      : numerical_at_(numerical_at), logic_at_(logic_at) {}
  std::string kind() const override { return kKind; }
  void serialize(ByteWriter& out) const override {
    out.put<long long>(numerical_at_);
    out.put<long long>(logic_at_);
  }
  static std::unique_ptr<MultiStartProblem> deserialize(ByteReader& in) {
    const auto a = in.get<long long>();
    return std::make_unique<ThrowingProblem>(a, in.get<long long>());
  }
  static void register_kind() { register_problem(kKind, &ThrowingProblem::deserialize); }

  StartResult solve(const Eigen::VectorXd& start) const override {
    const auto i = static_cast<long long>(start[0]);
    if (i == numerical_at_) throw NumericalError("singular at task " + std::to_string(i));
    if (i == logic_at_) throw std::logic_error("bug at task " + std::to_string(i));
    StartResult r;
    r.x = start;
    r.value = static_cast<double>(10 - i);
    r.iterations = static_cast<int>(i);
    return r;
  }

 private:
  long long numerical_at_, logic_at_;
};

}  // namespace mixbo::test
