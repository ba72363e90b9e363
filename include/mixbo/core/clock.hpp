#pragma once
// Time as the loop records it: wall-clock seconds since the Unix epoch for timestamps that go into
// the archive, and a monotonic interval for durations (a clock step never makes one negative).
#include <chrono>

namespace mixbo {

double unix_seconds();
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace mixbo
