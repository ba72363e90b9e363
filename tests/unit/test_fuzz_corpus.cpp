// Replays tests/fuzz/corpus/<target>/* (seed inputs and every crash the fuzzers found, kept as
// regression inputs) through the fuzz targets: each input must be read or refused with a
// mixbo::Error, never crash, hang or throw anything else. scripts/fuzz.sh grows the corpora.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "targets.hpp"

namespace fs = std::filesystem;

TEST(FuzzCorpus, EveryInputIsReadOrRefused) {
  int inputs = 0;
  for (const auto& t : mixbo::fuzz::targets()) {
    const fs::path dir = fs::path(MIXBO_FUZZ_CORPUS) / t.name;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      std::ifstream in(e.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      SCOPED_TRACE(e.path().string());
      EXPECT_NO_THROW(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      ++n;
    }
    EXPECT_GT(n, 0) << "no seed input for " << t.name;
    inputs += n;
  }
  RecordProperty("inputs", inputs);
}
