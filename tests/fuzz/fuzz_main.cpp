// One libFuzzer program per target: MIXBO_FUZZ_TARGET names the function in targets.hpp.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mixbo::fuzz::MIXBO_FUZZ_TARGET(data, size);
  return 0;
}
