#include "mixbo/par/allocator.hpp"

#include <malloc.h>

namespace mixbo {

bool keep_large_allocations() {
  constexpr int kThreshold = 1 << 30;
  // mallopt returns 1 on success; setting either threshold also stops glibc from adjusting
  // them dynamically.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, kThreshold) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, kThreshold) == 1;
  const bool arena_ok = mallopt(M_ARENA_MAX, 1) == 1;
  return mmap_ok && trim_ok && arena_ok;
}

}  // namespace mixbo
