#include "mixbo/gp/kernel_parser.hpp"

#include <cctype>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/kernels.hpp"

namespace mixbo {

const Registry<KernelFactory>& kernel_registry() {
  // One line per leaf kernel; the order is the order errors and --help list them in.
  static const Registry<KernelFactory> r = [] {
    Registry<KernelFactory> reg("kernel");
    reg.add("matern32",
            "ARD Matern-3/2, one lengthscale per column of the group (once differentiable)",
            make_matern32);
    reg.add("matern52", "ARD Matern-5/2, one lengthscale per column of the group", make_matern52);
    reg.add("rbf", "ARD squared exponential, one lengthscale per column of the group", make_rbf);
    reg.add("expdecay", "exponential-decay learning-curve kernel (BoTorch's form; steps only)",
            make_expdecay);
    reg.add("downsampling", "BoTorch's DownsamplingKernel in decades below the target (scale only)",
            make_downsampling);
    reg.add("linear", "w . w' on the shares: a linear mixture effect (mixture only; no parameters)",
            make_linear);
    reg.add("additive",
            "the mean of Matern-5/2 kernels, one per share: a sum of per-domain effects "
            "(mixture only)",
            make_additive);
    return reg;
  }();
  return r;
}

namespace {

class Parser {
 public:
  Parser(const std::string& text, const KernelContext& ctx) : s_(text), ctx_(ctx) {}

  KernelPtr parse() {
    skip();
    if (pos_ == s_.size()) fail("empty kernel expression");
    KernelPtr k = expr();
    skip();
    if (pos_ != s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "' (expected + or *)");
    return k;
  }

 private:
  KernelPtr expr() {
    std::vector<KernelPtr> terms{term()};
    while (accept('+')) terms.push_back(term());
    return make_sum(std::move(terms));
  }
  KernelPtr term() {
    std::vector<KernelPtr> factors{factor()};
    while (accept('*')) factors.push_back(factor());
    return make_product(std::move(factors));
  }
  KernelPtr factor() {
    skip();
    if (accept('(')) {
      KernelPtr k = expr();
      expect(')');
      return k;
    }
    const size_t at = pos_;
    const std::string name = ident();
    if (name.empty())
      fail(pos_ == s_.size() ? "expression ends where a kernel was expected"
                             : "expected a kernel name, found '" + std::string(1, s_[pos_]) + "'");
    const auto* entry = kernel_registry().find(name);
    if (!entry)
      fail("unknown kernel '" + name + "' (known: " + kernel_registry().names_text() + ")", at);
    const KernelFactory& f = entry->make;
    expect('(');
    const size_t gat = pos_;
    const std::string group = ident();
    if (group.empty())
      fail("expected a column group (mixture, scale, steps, all, share1 .. sharek)");
    expect(')');
    try {
      return f(group, ctx_);
    } catch (const ConfigError& e) {
      fail(e.what(), gat);
    }
  }

  std::string ident() {
    skip();
    const size_t b = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == '-'))
      ++pos_;
    return s_.substr(b, pos_ - b);
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool accept(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (accept(c)) return;
    fail(std::string("expected '") + c + "'" +
         (pos_ < s_.size() ? ", found '" + std::string(1, s_[pos_]) + "'" : " at the end"));
  }
  [[noreturn]] void fail(const std::string& what) { fail(what, pos_); }
  [[noreturn]] void fail(const std::string& what, size_t at) {
    throw ConfigError("kernel expression '" + s_ + "': " + what + " (at position " +
                      std::to_string(at + 1) + ")");
  }

  const std::string& s_;
  const KernelContext& ctx_;
  size_t pos_ = 0;
};

}  // namespace

KernelPtr parse_kernel(const std::string& expression, const KernelContext& ctx) {
  return Parser(expression, ctx).parse();
}

}  // namespace mixbo
