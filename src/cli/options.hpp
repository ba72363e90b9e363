#pragma once
// Shared parsing of a subcommand line: `mixbo CMD [options] CONFIG [--section.key=value ...]`.
// Subcommand options are declared by the command; --section.key flags override the campaign
// file and are handed to load_config untouched.
#include <boost/program_options.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace mixbo::cli {

class CommandLine {
 public:
  // Adds --help; `extra` lets a command declare its own options before parsing. A command that
  // needs a CONFIG takes no further plain arguments unless `more_arguments` (they would be
  // silently ignored otherwise, e.g. a campaign folder given where a --campaign.workdir was meant).
  CommandLine(std::string command, std::string summary, const std::vector<std::string>& args,
              const std::function<void(boost::program_options::options_description&)>& extra = {},
              bool needs_config = true, bool more_arguments = false);
  bool help() const { return help_; }
  const std::filesystem::path& config_file() const { return config_; }
  const std::vector<std::string>& overrides() const { return overrides_; }
  const std::vector<std::string>& positionals() const { return positionals_; }
  const boost::program_options::variables_map& vm() const { return vm_; }

 private:
  bool help_ = false;
  std::filesystem::path config_;
  std::vector<std::string> overrides_, positionals_;
  boost::program_options::variables_map vm_;
};

}  // namespace mixbo::cli
