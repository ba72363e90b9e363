#include "mixbo/core/exact_number.hpp"

#include <iomanip>
#include <sstream>

namespace mixbo {

std::string exact_number(double v) {
  std::ostringstream o;
  o << std::setprecision(17) << v;
  return o.str();
}

}  // namespace mixbo
