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

// A bad value of one campaign key, as every options struct's validate() reports it:
// "key 'section.key' WHAT". load_config puts the campaign file in front.
[[noreturn]] inline void throw_key_error(const std::string& key, const std::string& what) {
  throw ConfigError("key '" + key + "' " + what);
}

// Numerical trouble (a Cholesky that fails even with jitter, non-finite data).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace mixbo
