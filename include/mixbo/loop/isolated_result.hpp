#pragma once
// Reading a result file that a job wrote, in a process of its own first. Debian 12's libhdf5
// (1.10.8) never returns from, or reads past a buffer on, some damaged files (a broken global
// heap under a string attribute; tests/fuzz/hdf5-findings/): read in the driver, such a file
// would hang or crash the campaign. `mixbo check-result` reads it first, under a time limit;
// only a file it accepted is read here.
#include <filesystem>

#include "mixbo/io/result_file.hpp"

namespace mixbo {

// How long `mixbo check-result` may take on one file. A usable file takes milliseconds, on a
// busy parallel file system seconds.
inline constexpr double kResultCheckSeconds = 120;

// read_result, after `mixbo check-result` (found by sibling_program("mixbo", "MIXBO_PROGRAM"))
// accepted the file within `timeout_seconds`. Throws ResultError with the checker's reason, or
// naming the hang or crash. Where the checker cannot be started or does not know the command
// (mixbo's library in another program, no mixbo or an older one) the file is read in this
// process, as before.
ResultCurve read_result_isolated(const std::filesystem::path& file,
                                 const ResultExpectations& expect,
                                 double timeout_seconds = kResultCheckSeconds);

}  // namespace mixbo
