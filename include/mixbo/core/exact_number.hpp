#pragma once
// The text of a double that reads back as the same double (17 significant digits): for values
// that are written to be parsed again (trial parameters, job environments) or compared with a
// recorded campaign (resume checks), where a rounded figure would be a different value.
#include <string>

namespace mixbo {

std::string exact_number(double v);

}  // namespace mixbo
