#pragma once
// The campaigns `mixbo bench` runs without a CONFIG, as command-line flags so that they need no
// file: the demo (the built-in bimix law on the paper's ladder) and the long ladder the suite's
// second law family runs on. Flags rather than files: an installed mixbo has no examples/ folder.
// A unit test checks each against its example file.
#include <string>
#include <vector>

namespace mixbo {

// examples/demo.ini's space, ladder, steps, objective, simulator and design, with budget 6 (the
// suite's demo law; the file's is 3).
const std::vector<std::string>& demo_campaign_flags();

// examples/long-ladder.ini: five scales 70M ... 1.4B (step costs params / target params), a
// target of 100,000 steps, four runs in flight, budget 10, the law family.
const std::vector<std::string>& long_ladder_campaign_flags();

// `base` with `overrides`: a key the user sets replaces base's value of it (one flag per key:
// `--strategy.n_init=16` on the demo or the suite failed with "cannot be specified more than
// once").
std::vector<std::string> flags_with(const std::vector<std::string>& base,
                                    const std::vector<std::string>& overrides);

}  // namespace mixbo
