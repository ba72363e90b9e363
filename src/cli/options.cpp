#include "options.hpp"

#include <iostream>

#include "components.hpp"
#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"

namespace po = boost::program_options;

namespace mixbo::cli {

CommandLine::CommandLine(std::string command, std::string summary,
                         const std::vector<std::string>& args,
                         const std::function<void(po::options_description&)>& extra,
                         const Operands& operands) {
  po::options_description desc("Options of 'mixbo " + command + "'");
  desc.add_options()("help,h", operands.campaign_keys ? "show this help and every campaign key"
                                                      : "show this help");
  if (extra) extra(desc);
  // Campaign keys contain a dot; everything else belongs to the command. A command without
  // campaign keys hands them to the parser, which refuses them as unknown options.
  std::vector<std::string> own;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (operands.campaign_keys && a.rfind("--", 0) == 0 && a.find('.') != std::string::npos &&
        a.find('.') < a.find('=')) {
      if (a.find('=') == std::string::npos && i + 1 < args.size())
        overrides_.push_back(a + "=" + args[++i]);
      else
        overrides_.push_back(a);
    } else {
      own.push_back(a);
    }
  }
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  try {
    po::store(po::command_line_parser(own).options(all).positional(pos).run(), vm_);
    po::notify(vm_);
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
  if (vm_.count("help")) {
    help_ = true;
    std::cout << "usage: mixbo " << command << " [options] " << operands.usage
              << (operands.campaign_keys ? " [--section.key=value ...]" : "") << "\n\n"
              << summary << "\n\n"
              << desc << "\n";
    if (operands.campaign_keys)
      std::cout << "Campaign keys (in the INI file as [section] key = value, or as flags "
                   "--section.key=value that override the file):\n"
                << config_reference(component_choices());
    return;
  }
  if (vm_.count("positional")) positionals_ = vm_["positional"].as<std::vector<std::string>>();
  if (operands.config) {
    if (positionals_.empty())
      throw ConfigError("missing CONFIG (a campaign .ini file); see --help");
    config_ = positionals_.front();
    positionals_.erase(positionals_.begin());
    if (!operands.more && !positionals_.empty())
      throw ConfigError("unexpected argument '" + positionals_.front() +
                        "' after CONFIG (campaign keys go as --section.key=value; see --help)");
  }
}

}  // namespace mixbo::cli
