#include "mixbo/suite/suite_campaigns.hpp"

#include <algorithm>

namespace mixbo {

const std::vector<std::string>& demo_campaign_flags() {
  static const std::vector<std::string> f = {
      "--campaign.name=demo",
      "--campaign.seed=7",
      "--campaign.budget=6",
      "--space.domains=Wikipedia, StackExchange, Github, ArXiv, Book",
      "--space.lower=0.02, 0.02, 0.02, 0.02, 0.02",
      "--space.upper=0.8, 0.8, 0.8, 0.8, 0.8",
      "--scales.target=1B",
      "--steps.interval=100",
      "--steps.max=19500",
      "--objective.metric=StackExchange_CE",
      "--simulator.type=bimix",
      "--strategy.n_init=8",
  };
  return f;
}

const std::vector<std::string>& long_ladder_campaign_flags() {
  static const std::vector<std::string> f = {
      "--campaign.name=long-ladder",
      "--campaign.seed=0",
      "--campaign.budget=10",
      "--space.domains=Web, Code, Books, ArXiv, Wiki, Math, Forums",
      "--scales.names=70M, 160M, 410M, 1B, 1.4B",
      "--scales.target=1.4B",
      "--steps.interval=1000",
      "--steps.max=100000",
      "--objective.metric=loss",
      "--executor.type=simulated",
      "--executor.max_concurrent=4",
      "--simulator.type=law-family",
      "--simulator.seed=3",
      "--strategy.type=mfms-bo",
  };
  return f;
}

std::vector<std::string> flags_with(const std::vector<std::string>& base,
                                    const std::vector<std::string>& overrides) {
  const auto key = [](const std::string& flag) { return flag.substr(0, flag.find('=')); };
  std::vector<std::string> out;
  for (const auto& f : base)
    if (std::none_of(overrides.begin(), overrides.end(),
                     [&](const std::string& o) { return key(o) == key(f); }))
      out.push_back(f);
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

}  // namespace mixbo
