// The module layering of docs/architecture.md: every `#include "mixbo/<module>/..."` in
// src/<m>/ and include/mixbo/<m>/ must be an allowed edge, <mpi.h> appears only in par/ and
// <hdf5.h> only in io/. A failure names the file and the include: either it is a mistake, or
// the architecture changes and docs/architecture.md and this table change with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> a = {
      {"core", {}},
      {"space", {"core"}},
      {"par", {"core"}},
      {"gp", {"core", "space", "par"}},
      {"acq", {"core", "space", "par", "gp"}},
      {"config", {"core", "space"}},
      {"strategy", {"core", "space", "par", "gp", "acq", "config"}},
      {"io", {"core", "space", "config"}},
      {"sim", {"core", "space", "config"}},
      {"simjob", {"core", "space", "config", "io", "sim"}},
      {"exec", {"core", "config", "io"}},
      {"loop", {"core", "config", "io", "exec", "strategy"}},
      {"suite", {"core", "space", "par", "config", "io", "sim", "simjob", "strategy", "loop"}},
      {"proxy", {"core", "io", "sim", "simjob"}},
  };
  return a;
}

// (module, file) of every source and header of the library.
std::vector<std::pair<std::string, fs::path>> files() {
  std::vector<std::pair<std::string, fs::path>> out;
  const fs::path root(MIXBO_SOURCE_DIR);
  for (const auto& base : {root / "src", root / "include" / "mixbo"})
    for (const auto& d : fs::directory_iterator(base))
      if (d.is_directory())
        for (const auto& f : fs::recursive_directory_iterator(d.path()))
          if (f.is_regular_file()) out.emplace_back(d.path().filename().string(), f.path());
  return out;
}

}  // namespace

TEST(Layering, EveryIncludeIsAnAllowedEdge) {
  const std::regex inc(R"re(^\s*#\s*include\s*"mixbo/([a-z_]+)/)re");
  int checked = 0;
  for (const auto& [module, file] : files()) {
    if (module == "cli") continue;  // the composition root may include everything
    const auto it = allowed().find(module);
    ASSERT_NE(it, allowed().end())
        << "module '" << module << "' (" << file.string() << ") is not in docs/architecture.md";
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, inc)) continue;
      ++checked;
      const std::string to = m[1];
      EXPECT_TRUE(to == module || it->second.count(to))
          << file.string() << ": " << module << " must not include " << to << " (" << line << ")";
    }
  }
  EXPECT_GT(checked, 100);
}

// <mpi.h> also must not arrive through a par header: mpi_team.hpp (MPI_Comm in its interface)
// is for par/ itself; programs start a team through team_program.hpp.
TEST(Layering, MpiTeamHeaderOnlyInPar) {
  const std::regex inc(R"re(^\s*#\s*include\s*"mixbo/par/mpi_team\.hpp")re");
  for (const auto& [module, file] : files()) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
      if (std::regex_search(line, inc)) {
        EXPECT_EQ(module, "par") << file.string() << ": include mixbo/par/team_program.hpp";
      }
  }
}

TEST(Layering, MpiOnlyInParHdf5OnlyInIo) {
  const std::regex mpi(R"(^\s*#\s*include\s*<mpi\.h>)"), hdf5(R"(^\s*#\s*include\s*<hdf5\.h>)");
  for (const auto& [module, file] : files()) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (std::regex_search(line, mpi)) {
        EXPECT_EQ(module, "par") << file.string();
      }
      if (std::regex_search(line, hdf5)) {
        EXPECT_EQ(file.parent_path().filename().string() + "/" + module, "io/io")
            << file.string() << ": <hdf5.h> belongs in src/io/ only (HDF5 is private to io)";
      }
    }
  }
}

// Each module is handed only its own section of the campaign file (config/*_options.hpp):
// strategies never see Slurm or executor settings, executors never see the strategy. The whole
// CampaignConfig is for the composition root, the campaign's own bookkeeping (loop) and the
// bench suite.
TEST(Layering, AModuleSeesOnlyItsOwnOptions) {
  const std::map<std::string, std::set<std::string>> own = {
      {"strategy", {"strategy_options.hpp", "objective_options.hpp"}},
      {"sim", {"simulator_options.hpp", "objective_options.hpp"}},
      {"simjob", {"simulator_options.hpp"}},
      {"exec", {"executor_options.hpp"}},
      {"io", {"job_options.hpp", "objective_options.hpp"}},
      {"proxy", {}},
      {"gp", {}},
      {"acq", {}},
      {"space", {}},
      {"par", {}},
      {"core", {}},
  };
  const std::regex inc(R"re(^\s*#\s*include\s*"mixbo/config/([a-z_]+\.hpp)")re");
  for (const auto& [module, file] : files()) {
    const auto it = own.find(module);
    if (it == own.end()) continue;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, inc)) {
        EXPECT_TRUE(it->second.count(m[1])) << file.string() << ": " << module << " sees " << m[1]
                                            << ", which is not its own section";
      }
    }
  }
}
