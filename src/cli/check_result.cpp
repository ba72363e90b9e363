// mixbo check-result: reads one result file as the driver would and says whether it can be used.
// The driver runs it on every result a job leaves (loop/isolated_result.hpp), so a file that
// hangs or crashes libhdf5 stops this process, not the campaign.
#include <iostream>

#include "commands.hpp"
#include "mixbo/core/text.hpp"
#include "mixbo/io/result_file.hpp"
#include "options.hpp"

namespace po = boost::program_options;

namespace mixbo::cli {

int check_result(const Args& args) {
  CommandLine cl(
      "check-result",
      "Read a result file (result.h5, README: Result files) as 'mixbo run' reads a job's and\n"
      "say whether it can be used: a training script's output can be checked before a\n"
      "campaign runs it. Exit 0: usable; 1: refused, with the reason; 2: bad arguments.",
      args,
      [](po::options_description& d) {
        d.add_options()("trial-id", po::value<std::string>(),
                        "the trial id the file must name (default: any)")(
            "metrics", po::value<std::string>(),
            "comma-separated metrics the file must hold (default: none checked)")(
            "max-steps", po::value<std::int64_t>()->default_value(0),
            "no checkpoint may lie beyond it (0: no limit)");
      },
      Operands{.usage = "FILE", .config = false, .campaign_keys = false});
  if (cl.help()) return 0;
  if (cl.positionals().size() != 1) throw ConfigError("give one result file");
  const auto& vm = cl.vm();
  ResultExpectations expect;
  if (vm.count("trial-id")) expect.trial_id = vm["trial-id"].as<std::string>();
  if (vm.count("metrics"))
    for (const auto& m : split(vm["metrics"].as<std::string>(), ','))
      if (!trim(m).empty()) expect.metrics.push_back(trim(m));
  expect.max_steps = vm["max-steps"].as<std::int64_t>();
  try {
    const ResultCurve c = read_result(cl.positionals()[0], expect);
    std::cout << cl.positionals()[0] << ": usable: trial_id '" << c.trial_id << "', status "
              << c.status << ", " << c.steps.size() << " checkpoints";
    if (!c.steps.empty())
      std::cout << " (steps " << c.steps.front() << ".." << c.steps.back() << ")";
    std::cout << ", metrics checked: " << (expect.metrics.empty() ? "none" : "");
    for (size_t i = 0; i < expect.metrics.size(); ++i)
      std::cout << (i ? ", " : "") << expect.metrics[i];
    std::cout << "\n";
    return 0;
  } catch (const ResultError& e) {
    std::cerr << "mixbo check-result: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace mixbo::cli
