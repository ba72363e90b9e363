#pragma once
// Keeps large heap blocks in the process instead of returning them to the kernel.
//
// A GP likelihood evaluation allocates several n x n temporaries (32 MB each at n = 2000) and
// frees them again. glibc serves blocks that large with mmap and unmaps them on free, so every
// evaluation page-faults and zeroes them anew: measured on bench_iteration at n = 1000, 1 rank,
// 2 evaluations per fit start: 22.4 s CPU (7.9 s of it system time, 1.13 M page faults)
// without this, 7.4 s CPU (0.15 s system, 18 k faults) with it, identical results.
//
// Call once at program start, before threads exist (run_team_program does). It raises glibc's
// mmap and trim thresholds to 1 GiB and uses a single malloc arena, so rank 0's computing thread
// reuses the same memory. The cost: memory freed by the GP stays reserved by the process (its
// peak heap, a few hundred MB at n = 2000) until it exits. Returns false if glibc refused.
namespace mixbo {

bool keep_large_allocations();

}  // namespace mixbo
