#include <boost/program_options.hpp>
#include <iostream>

#include "commands.hpp"
#include "components.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "options.hpp"
#include "preflight.hpp"

namespace mixbo::cli {

int validate(const Args& args) {
  CommandLine cl("validate", "Check a campaign file and print the campaign it describes.", args);
  if (cl.help()) return 0;
  const auto config = load_checked_config(cl.config_file(), cl.overrides());
  const auto notes = preflight(config);
  std::cout << describe(config);
  for (const auto& n : notes) std::cout << n << "\n";
  std::cout << "valid\n";
  return 0;
}

}  // namespace mixbo::cli
