#pragma once
// Small string helpers shared by the readers of config, result and scheduler text.
#include <string>
#include <vector>

namespace mixbo {

// s without leading and trailing blanks (space, tab, CR, LF).
std::string trim(const std::string& s);
// s in ASCII lower case.
std::string to_lower(std::string s);
// The fields of s between each `sep`, untrimmed; "a,,b" -> {"a", "", "b"}, "" -> {""}.
std::vector<std::string> split(const std::string& s, char sep);

}  // namespace mixbo
