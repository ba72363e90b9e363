#pragma once
// The fuzz targets: each feeds one input to a reader of untrusted text or files and accepts
// only a value or a mixbo::Error (bad input reported as such). Anything else (a crash, a
// sanitizer report, another exception, a hang) is a bug. Built into libFuzzer programs by
// -DMIXBO_FUZZ=ON (scripts/fuzz.sh) and replayed over tests/fuzz/corpus/<target>/ by the unit
// test test_fuzz_corpus.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mixbo::fuzz {

using Target = void (*)(const std::uint8_t* data, std::size_t size);

void campaign_file(const std::uint8_t* data, std::size_t size);  // load_config_text
void trial_params(const std::uint8_t* data, std::size_t size);   // read_params
void result_file(const std::uint8_t* data, std::size_t size);    // read_result
void archive(const std::uint8_t* data, std::size_t size);        // load_archive

struct NamedTarget {
  const char* name;  // also the corpus folder's name
  Target run;
};
const std::vector<NamedTarget>& targets();

}  // namespace mixbo::fuzz
