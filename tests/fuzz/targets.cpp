#include "targets.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/io/result_file.hpp"
#include "mixbo/io/trial_params.hpp"

namespace fs = std::filesystem;

namespace mixbo::fuzz {

namespace {

// The readers take paths: each input goes to one scratch file per process (tmpfs if present).
fs::path scratch(const char* name) {
  static const fs::path dir = [] {
    const fs::path shm = "/dev/shm";
    auto d = (fs::is_directory(shm) ? shm : fs::temp_directory_path()) /
             ("mixbo-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir / name;
}

fs::path write(const char* name, const std::uint8_t* data, std::size_t size) {
  const auto p = scratch(name);
  std::ofstream(p, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p;
}

}  // namespace

void campaign_file(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    load_config_text(text, "/fuzz/campaign.ini");
  } catch (const Error&) {
  }
}

void trial_params(const std::uint8_t* data, std::size_t size) {
  try {
    read_params(write("params.ini", data, size));
  } catch (const Error&) {
  }
}

void result_file(const std::uint8_t* data, std::size_t size) {
  try {
    read_result(write("result.h5", data, size), {"t0001", {"loss", "acc"}, 1000});
  } catch (const Error&) {
  }
}

void archive(const std::uint8_t* data, std::size_t size) {
  try {
    load_archive(write("campaign.h5", data, size));
  } catch (const Error&) {
  }
}

const std::vector<NamedTarget>& targets() {
  static const std::vector<NamedTarget> t = {{"campaign_file", campaign_file},
                                             {"trial_params", trial_params},
                                             {"result_file", result_file},
                                             {"archive", archive}};
  return t;
}

}  // namespace mixbo::fuzz
