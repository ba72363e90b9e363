#pragma once
// A simulator given as a small ReLU network in a JSON file, e.g. the paper's SlimPajama
// simulator (../shared/data/paper-sim/README.md gives the format and forward pass):
//   inputs_full_9:   input names; "p_<domain>" proportions, "model_size_M" (millions of
//                    parameters), "training_step", and others that feature_mask drops;
//   feature_mask:    1 = the input is fed to the network;
//   outputs:         metric names;
//   weights:         "layers.<i>.weight" [out][in] and "layers.<i>.bias" [out], applied in
//                    increasing i with ReLU between them (not after the last);
//   normalization_stats: X_mean, X_std (per input), y_mean, y_std (per output).
// Every tensor is {"shape": [...], "data": [flat, row-major]}.
#include <filesystem>
#include <string>
#include <vector>

#include "mixbo/sim/simulator.hpp"

namespace mixbo {

class MlpSimulator : public Simulator {
 public:
  // Loads and validates the file (shapes chain, names, finite numbers, positive std-devs);
  // throws ConfigError naming the file and the entry at fault.
  explicit MlpSimulator(const std::filesystem::path& file);

  std::vector<std::string> metrics() const override { return outputs_; }
  // w in domains() order.
  Eigen::VectorXd evaluate(const Eigen::VectorXd& w, double params,
                           std::int64_t step) const override;

  const std::vector<std::string>& domains() const { return domains_; }
  // Mean and std-dev of the training data's model size (millions) and step: the region where
  // the network is trustworthy.
  double size_mean() const { return x_mean_[size_index_]; }
  double size_std() const { return x_std_[size_index_]; }
  double step_mean() const { return x_mean_[step_index_]; }
  double step_std() const { return x_std_[step_index_]; }

 private:
  struct Layer {
    Eigen::MatrixXd weight;
    Eigen::VectorXd bias;
  };
  std::vector<std::string> domains_, outputs_;
  std::vector<Eigen::Index> domain_index_;  // position of each domain in the full input
  std::vector<Eigen::Index> kept_;          // inputs the mask keeps, in order
  Eigen::Index size_index_ = -1, step_index_ = -1, n_inputs_ = 0;
  Eigen::VectorXd x_mean_, x_std_, y_mean_, y_std_;
  std::vector<Layer> layers_;
};

// The MLP simulator re-ordered to a campaign's domain order: the campaign's domains must be
// exactly the file's (any order); ConfigError listing both otherwise.
class MlpCampaignSimulator : public Simulator {
 public:
  MlpCampaignSimulator(const std::filesystem::path& file, const std::vector<std::string>& domains);
  std::vector<std::string> metrics() const override { return mlp_.metrics(); }
  Eigen::VectorXd evaluate(const Eigen::VectorXd& w, double params,
                           std::int64_t step) const override;
  const MlpSimulator& mlp() const { return mlp_; }

 private:
  MlpSimulator mlp_;
  std::vector<Eigen::Index> to_file_;  // campaign domain i -> file domain to_file_[i]
};

}  // namespace mixbo
