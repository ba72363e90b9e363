// keep_large_allocations: freeing and reallocating a GP-sized block no longer page-faults it in
// again (glibc's default would unmap it on free and map fresh zeroed pages each time).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include "mixbo/par/allocator.hpp"

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

void* volatile g_escape = nullptr;  // keeps the compiler from eliding malloc/memset/free

// Allocates, touches and frees a block `rounds` times; returns the page faults taken. Unused
// under ASan (which replaces malloc: the test is skipped there).
[[maybe_unused]] long churn(size_t bytes, int rounds) {
  const long before = minor_faults();
  for (int r = 0; r < rounds; ++r) {
    auto* p = static_cast<unsigned char*>(std::malloc(bytes));
    if (!p) return -1;
    g_escape = p;
    std::memset(p, r + 1, bytes);
    std::free(g_escape);
  }
  return minor_faults() - before;
}

TEST(Allocator, LargeBlocksAreReusedAfterFree) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan replaces malloc";
#else
  const size_t bytes = size_t{34} << 20;  // above glibc's largest dynamic mmap threshold (32 MB)
  const long pages = static_cast<long>(bytes / 4096);
  const long untuned = churn(bytes, 3);
  ASSERT_TRUE(mixbo::keep_large_allocations());
  churn(bytes, 1);  // the first use after tuning may still fault the pages in
  const long tuned = churn(bytes, 3);
  EXPECT_GT(untuned, 2 * pages) << "glibc already reuses large blocks: the test proves nothing";
  EXPECT_LT(tuned, pages / 4) << "untuned " << untuned;
#endif
}

}  // namespace
