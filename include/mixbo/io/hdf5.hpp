#pragma once
// Thin RAII over the HDF5 C API, shared by the result file and the campaign archive. Every
// failure throws mixbo::Error naming the file and object; HDF5's own error stack printing is
// silenced (call silence_hdf5_errors() once; the constructors of File do it).
//
// The header does not include <hdf5.h>: HDF5 is a private dependency of the io module
// (CMake: PRIVATE), and code outside io/ sees handles as plain integers. hid_t and herr_t below
// are HDF5's own types (hdf5.cpp checks that they are identical).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mixbo::h5 {

using hid_t = std::int64_t;  // HDF5 >= 1.10's hid_t
using herr_t = int;          // HDF5's herr_t

void silence_hdf5_errors();

// Owns one hid_t and closes it with the right H5*close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t id() const { return id_; }
  // Closes now and throws Error(what) when HDF5 reports a failure (for a file: the final writes
  // of its cached data, which a destructor could only ignore).
  void close(const std::string& what);
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Writes an HDF5 file: `fill` builds it in memory (HDF5's core driver, no backing store), then
// its image goes to `path` (created or truncated) by write_bytes (durable_file.hpp): checked
// write(2)s and an fsync, an error naming the file and errno. So a full disk or a quota fails in a
// write this code checks, never inside HDF5: HDF5 1.10 kept a file whose flush had failed in its
// table of open files, and its exit handler then crashed on it (mixbo run ended in a segfault after
// its own error message), and a failed close in a destructor went unnoticed (a truncated file could
// be renamed into place).
void write_file(const std::filesystem::path& path, const std::function<void(hid_t file)>& fill);
Handle open_file(const std::filesystem::path& path);  // read-only
Handle create_group(hid_t parent, const std::string& name);
Handle open_group(hid_t parent, const std::string& name);
bool exists(hid_t parent, const std::string& name);

void write_attr(hid_t obj, const std::string& name, const std::string& value);
void write_attr(hid_t obj, const std::string& name, std::int64_t value);
void write_attr(hid_t obj, const std::string& name, double value);
bool has_attr(hid_t obj, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& name);
std::int64_t read_attr_int(hid_t obj, const std::string& name);
double read_attr_double(hid_t obj, const std::string& name);

// 1-D datasets (2-D for matrices, row-major rows x cols).
void write_doubles(hid_t parent, const std::string& name, const std::vector<double>& v);
void write_ints(hid_t parent, const std::string& name, const std::vector<std::int64_t>& v);
void write_matrix(hid_t parent, const std::string& name, const double* row_major, size_t rows,
                  size_t cols);
void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& v);
std::vector<double> read_doubles(hid_t parent, const std::string& name);
std::vector<std::int64_t> read_ints(hid_t parent, const std::string& name);
std::vector<double> read_matrix(hid_t parent, const std::string& name, size_t& rows, size_t& cols);
std::vector<std::string> read_strings(hid_t parent, const std::string& name);
std::vector<std::string> list_children(hid_t group);

}  // namespace mixbo::h5
