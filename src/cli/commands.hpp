#pragma once
// The mixbo subcommands. Each takes the arguments after its name and returns the exit code:
// 0 success, 1 failure while running, 2 bad input (config, flags, files).
#include <string>
#include <vector>

namespace mixbo::cli {

using Args = std::vector<std::string>;

int validate(const Args& args);
int run(const Args& args);
int status(const Args& args);
int cancel(const Args& args);
int import_runs(const Args& args);
int bench(const Args& args);
int check_result(const Args& args);

}  // namespace mixbo::cli
