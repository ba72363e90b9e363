#pragma once
// The five SlimPajama domains of the paper's simulator, in its order, for the simulator tests.
#include <string>
#include <vector>

namespace mixbo::test {

inline const std::vector<std::string> kSlim = {"Wikipedia", "StackExchange", "Github", "ArXiv",
                                               "Book"};

}  // namespace mixbo::test
