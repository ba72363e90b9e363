#pragma once
// Where one of mixbo's own programs (mixbo, mixbo-proxy) is: the environment variable `env` when
// set, else next to the running executable or in a folder above it (up to build/, so test
// binaries in build/release/tests find build/release/mixbo), else `name` alone (for a PATH
// lookup by whoever runs it).
#include <filesystem>
#include <string>

namespace mixbo {

std::filesystem::path sibling_program(const std::string& name, const char* env);

}  // namespace mixbo
