#pragma once
// Error types shared by every module. ConfigError is the user's mistake in a campaign file or
// flag (the CLI exits 2); Error is everything else that mixbo reports and survives.
#include <stdexcept>
#include <string>

namespace mixbo {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigError : public Error {
 public:
  using Error::Error;
};

// Numerical trouble (a Cholesky that fails even with jitter, non-finite data).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace mixbo
