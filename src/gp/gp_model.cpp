#include "mixbo/gp/gp_model.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/gp/kernel_parser.hpp"

namespace mixbo {

Standardizer Standardizer::fit(const Eigen::VectorXd& y) {
  Standardizer s;
  const auto n = y.size();
  if (n == 0) return s;
  s.mean = y.mean();
  if (n < 2) return s;
  const double var = (y.array() - s.mean).square().sum() / static_cast<double>(n - 1);
  const double sd = std::sqrt(var);
  // Constant outputs (up to rounding): keep unit scale so standardised values stay ~0.
  if (sd > 1e-12 * std::max(1.0, std::abs(s.mean))) s.scale = sd;
  return s;
}

GpModel::GpModel(KernelPtr kernel, GpOptions options)
    : kernel_(std::move(kernel)), options_(options) {
  if (!kernel_) throw Error("GpModel needs a kernel");
  if (!(options_.noise_floor > 0)) throw ConfigError("GP noise floor must be positive");
  if (options_.mean_origin.size() != 0 && options_.mean_origin.size() != dim())
    throw Error("GP mean origin has " + std::to_string(options_.mean_origin.size()) +
                " entries for " + std::to_string(dim()) + " features");
  specs_ = kernel_->param_specs();
  num_kernel_ = static_cast<int>(specs_.size());
  // Standardised outputs: total variance ~1, noise a small fraction of it by default.
  specs_.push_back(ParamSpec{"signal_variance", 0.0, std::log(1e-3), std::log(1e3),
                             Prior::log_normal(0.0, 1.5)});
  specs_.push_back(ParamSpec{"noise_variance", std::log(1e-2), std::log(1e-10), std::log(10.0),
                             Prior::log_normal(std::log(1e-2), 2.5)});
  specs_.push_back(ParamSpec{"mean.constant", 0.0, -10.0, 10.0, Prior::normal(0.0, 2.0)});
  if (options_.linear_mean)
    for (int d = 0; d < dim(); ++d)
      specs_.push_back(ParamSpec{"mean.linear[" + std::to_string(d) + "]", 0.0, -50.0, 50.0,
                                 Prior::normal(0.0, 2.0)});
}

GpModel GpModel::from_expression(const std::string& expression, const KernelContext& ctx,
                                 GpOptions options) {
  return GpModel(parse_kernel(expression, ctx), options);
}

void GpModel::set_all_priors_flat() {
  for (auto& s : specs_) s.prior = Prior::none();
}

Eigen::VectorXd GpModel::initial() const {
  Eigen::VectorXd v(num_params());
  for (int i = 0; i < num_params(); ++i) v[i] = specs_[i].init;
  return v;
}
Eigen::VectorXd GpModel::lower() const {
  Eigen::VectorXd v(num_params());
  for (int i = 0; i < num_params(); ++i) v[i] = specs_[i].lower;
  return v;
}
Eigen::VectorXd GpModel::upper() const {
  Eigen::VectorXd v(num_params());
  for (int i = 0; i < num_params(); ++i) v[i] = specs_[i].upper;
  return v;
}
Eigen::VectorXd GpModel::clamp(const Eigen::VectorXd& theta) const {
  return theta.cwiseMax(lower()).cwiseMin(upper());
}

double GpModel::log_prior(const Eigen::VectorXd& theta, Eigen::VectorXd* grad) const {
  double lp = 0;
  for (int i = 0; i < num_params(); ++i) {
    lp += specs_[i].prior.log_density(theta[i]);
    if (grad) (*grad)[i] += specs_[i].prior.dlog_density(theta[i]);
  }
  return lp;
}

double GpModel::signal_variance(const Eigen::VectorXd& theta) const {
  return std::exp(theta[signal_index()]);
}
double GpModel::noise_variance(const Eigen::VectorXd& theta) const {
  return options_.noise_floor + std::exp(theta[noise_index()]);
}

Eigen::VectorXd GpModel::mean(const Eigen::VectorXd& theta, const Eigen::MatrixXd& X) const {
  Eigen::VectorXd m = Eigen::VectorXd::Constant(X.rows(), theta[mean_index()]);
  if (options_.linear_mean) m += mean_design(X) * theta.segment(mean_index() + 1, dim());
  return m;
}

Eigen::MatrixXd GpModel::mean_design(const Eigen::MatrixXd& X) const {
  if (options_.mean_origin.size() == 0) return X;
  return X.rowwise() - options_.mean_origin.transpose();
}

Eigen::VectorXd GpModel::mean_gradient(const Eigen::VectorXd& theta) const {
  if (options_.linear_mean) return theta.segment(mean_index() + 1, dim());
  return Eigen::VectorXd::Zero(dim());
}

double GpModel::natural_value(const Eigen::VectorXd& theta, int i) const {
  if (i >= mean_index()) return theta[i];
  const double v = std::exp(theta[i]);
  return i == noise_index() ? v + options_.noise_floor : v;
}

std::string GpModel::natural_name(int i) const {
  std::string name = specs_[static_cast<std::size_t>(i)].name;
  if (i >= mean_index()) return name;
  const std::size_t last = name.rfind('.');
  const std::size_t part = last == std::string::npos ? 0 : last + 1;
  if (name.compare(part, 4, "log_") == 0) name.erase(part, 4);
  return name;
}

std::string GpModel::describe(const Eigen::VectorXd& theta) const {
  std::ostringstream o;
  for (int i = 0; i < num_params(); ++i)
    o << natural_name(i) << " = " << natural_value(theta, i) << "\n";
  return o.str();
}

void GpModel::serialize(ByteWriter& out) const {
  const auto& c = kernel_->context();
  out.put(kernel_->expression());
  out.put<std::int32_t>(c.k);
  out.put<double>(c.target_log_params);
  out.put<double>(c.step_unit);
  out.put<std::uint8_t>(options_.linear_mean ? 1 : 0);
  out.put<double>(options_.noise_floor);
  out.put<std::uint64_t>(static_cast<std::uint64_t>(options_.mean_origin.size()));
  for (Eigen::Index i = 0; i < options_.mean_origin.size(); ++i)
    out.put<double>(options_.mean_origin[i]);
  out.put<std::uint64_t>(specs_.size());
  for (const auto& s : specs_) {
    out.put<double>(s.init);
    out.put<double>(s.lower);
    out.put<double>(s.upper);
    out.put<std::int32_t>(static_cast<std::int32_t>(s.prior.kind()));
    out.put<double>(s.prior.a());
    out.put<double>(s.prior.b());
  }
}

GpModel GpModel::deserialize(ByteReader& in) {
  const std::string expr = in.get_string();
  KernelContext c;
  c.k = in.get<std::int32_t>();
  c.target_log_params = in.get<double>();
  c.step_unit = in.get<double>();
  GpOptions o;
  o.linear_mean = in.get<std::uint8_t>() != 0;
  o.noise_floor = in.get<double>();
  o.mean_origin.resize(static_cast<Eigen::Index>(in.get<std::uint64_t>()));
  for (Eigen::Index i = 0; i < o.mean_origin.size(); ++i) o.mean_origin[i] = in.get<double>();
  GpModel m(parse_kernel(expr, c), o);
  const auto n = in.get<std::uint64_t>();
  if (n != m.specs_.size()) throw Error("GP model message has a mismatched parameter count");
  for (auto& s : m.specs_) {
    s.init = in.get<double>();
    s.lower = in.get<double>();
    s.upper = in.get<double>();
    const auto kind = static_cast<Prior::Kind>(in.get<std::int32_t>());
    const double a = in.get<double>(), b = in.get<double>();
    s.prior = Prior::from_parts(kind, a, b);
  }
  return m;
}

}  // namespace mixbo
