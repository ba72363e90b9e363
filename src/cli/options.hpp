#pragma once
// Shared parsing of a subcommand line: `mixbo CMD [options] OPERANDS [--section.key=value ...]`.
// Subcommand options are declared by the command; --section.key flags override the campaign
// file and are handed to load_config untouched.
#include <boost/program_options.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace mixbo::cli {

// What a command takes besides its options. The usage line and --help are written from it, so
// they say what the command accepts (check-result's once offered campaign keys it refuses).
struct Operands {
  std::string usage = "CONFIG";  // as the usage line shows them: "[CONFIG]", "FILE", ...
  bool config = true;            // the first operand is a campaign file, and required
  bool more = false;             // further operands may follow CONFIG
  bool campaign_keys = true;     // --section.key=value flags apply (else they are refused)
};

class CommandLine {
 public:
  // Adds --help; `extra` lets a command declare its own options before parsing. A command that
  // needs a CONFIG takes no further plain arguments unless `operands.more` (they would be
  // silently ignored otherwise, e.g. a campaign folder given where a --campaign.workdir was meant).
  CommandLine(std::string command, std::string summary, const std::vector<std::string>& args,
              const std::function<void(boost::program_options::options_description&)>& extra = {},
              const Operands& operands = {});
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
