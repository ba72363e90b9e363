// mixbo: multi-fidelity, multi-scale Bayesian optimisation of pre-training data mixtures.
#include <functional>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/strategy/builtin_problems.hpp"

namespace {

struct Command {
  std::function<int(const mixbo::cli::Args&)> run;
  const char* summary;
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> c = {
      {"validate", {mixbo::cli::validate, "check a campaign file and print the campaign"}},
      {"run", {mixbo::cli::run, "run (or resume) a campaign and print the recommended mixture"}},
      {"status", {mixbo::cli::status, "show a campaign's trials and recommendation"}},
      {"cancel", {mixbo::cli::cancel, "cancel a campaign's running jobs"}},
      {"import", {mixbo::cli::import_runs, "add runs made outside mixbo as observations"}},
      {"bench", {mixbo::cli::bench, "compare strategies x seeds on a simulated objective"}},
      {"check-result", {mixbo::cli::check_result, "check a job's result file (result.h5)"}},
  };
  return c;
}

void usage(std::ostream& o) {
  o << "usage: mixbo COMMAND [options] CONFIG [--section.key=value ...]\n\n"
       "mixbo finds the best pre-training data mixture for a target model scale by Bayesian\n"
       "optimisation over cheap proxy runs (smaller models, fewer steps) and expensive ones.\n\n"
       "Commands:\n";
  for (const auto& [name, c] : commands())
    o << "  " << name << std::string(14 - name.size(), ' ') << c.summary << "\n";
  o << "\n'mixbo COMMAND --help' shows what the command takes, its options and, where it takes\n"
       "them, every campaign key.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // The one place mixbo registers its multi-start kinds: `mixbo run` under mpiexec rebuilds
  // them on the worker ranks.
  mixbo::register_builtin_problems();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  const auto it = commands().find(args[0]);
  if (it == commands().end()) {
    std::cerr << "mixbo: unknown command '" << args[0] << "'\n\n";
    usage(std::cerr);
    return 2;
  }
  try {
    return it->second.run({args.begin() + 1, args.end()});
  } catch (const mixbo::ConfigError& e) {
    std::cerr << "mixbo " << args[0] << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mixbo " << args[0] << ": error: " << e.what() << "\n";
    return 1;
  }
}
