#include "mixbo/io/hdf5.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "mixbo/core/error.hpp"
#include "mixbo/io/durable_file.hpp"

namespace mixbo::h5 {

static_assert(std::is_same_v<::hid_t, mixbo::h5::hid_t>, "hdf5.hpp's hid_t is not HDF5's");
static_assert(std::is_same_v<::herr_t, mixbo::h5::herr_t>, "hdf5.hpp's herr_t is not HDF5's");

void silence_hdf5_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0 && close_) close_(id_);
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

void Handle::close(const std::string& what) {
  const hid_t id = id_;
  id_ = -1;
  if (id >= 0 && close_ && close_(id) < 0) throw Error("HDF5: " + what);
}

Handle::~Handle() {
  if (id_ >= 0 && close_) close_(id_);
}

namespace {
[[noreturn]] void fail(const std::string& what) { throw Error("HDF5: " + what); }

std::string where(hid_t obj) {
  char buf[512] = {0};
  H5Fget_name(obj, buf, sizeof buf);
  std::string file = buf;
  ssize_t n = H5Iget_name(obj, buf, sizeof buf);
  return file + ":" + (n > 0 ? std::string(buf) : "?");
}

Handle check(hid_t id, herr_t (*closer)(hid_t), const std::string& what) {
  if (id < 0) fail(what);
  return Handle(id, closer);
}

Handle string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return Handle(t, H5Tclose);
}

// The transfer properties of n variable-length strings: a type-conversion buffer sized to them.
// HDF5 allocates and clears its default one (1 MiB, H5Pset_buffer) on every read or write that
// converts, and variable-length strings always do. With the archive rewritten after every round,
// that clearing was 27% of a small campaign's time (perf: H5FL_blk_calloc under write_strings);
// a 10-trial archive saved in 16.9 ms before and 2.9 ms after (bench_io, BM_SaveArchive/10).
Handle string_transfer(size_t n, const std::string& name) {
  constexpr size_t kPerString = 64;  // >= the larger of a char* and a stored vlen reference
  constexpr size_t kMin = 1024, kMax = size_t{1} << 20;  // kMax: HDF5's default
  Handle xfer = check(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "dataset transfer property list");
  if (H5Pset_buffer(xfer.id(), std::clamp(n * kPerString, kMin, kMax), nullptr, nullptr) < 0)
    fail("cannot size the conversion buffer of '" + name + "'");
  return xfer;
}

void write_dataset(hid_t parent, const std::string& name, hid_t type, const void* data, int rank,
                   const hsize_t* dims) {
  Handle space = check(H5Screate_simple(rank, dims, nullptr), H5Sclose, "dataspace for " + name);
  Handle ds = check(
      H5Dcreate2(parent, name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose, "cannot create dataset '" + name + "' in " + where(parent));
  bool empty = false;
  for (int i = 0; i < rank; ++i) empty = empty || dims[i] == 0;
  if (!empty && H5Dwrite(ds.id(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail("cannot write dataset '" + name + "' in " + where(parent));
}

// Opens a dataset and returns its dims; checks the rank.
Handle open_dataset(hid_t parent, const std::string& name, int rank, std::vector<hsize_t>& dims) {
  if (!exists(parent, name)) fail("dataset '" + name + "' is missing in " + where(parent));
  Handle ds = check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose,
                    "cannot open dataset '" + name + "' in " + where(parent));
  Handle space = check(H5Dget_space(ds.id()), H5Sclose, "dataspace of " + name);
  const int r = H5Sget_simple_extent_ndims(space.id());
  if (r != rank)
    fail("dataset '" + name + "' in " + where(parent) + " has rank " + std::to_string(r) +
         ", expected " + std::to_string(rank));
  dims.assign(static_cast<size_t>(rank), 0);
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  // A corrupt header may claim any size: refuse before allocating for it.
  double elements = 1;
  for (auto d : dims) elements *= static_cast<double>(d);
  if (elements > 1e9)
    fail("dataset '" + name + "' in " + where(parent) + " claims an implausible size");
  return ds;
}

// Integers are read only from integer datasets: HDF5 would convert 100.5 to 100 silently.
template <class T>
std::vector<T> read_1d(hid_t parent, const std::string& name, hid_t mem_type) {
  std::vector<hsize_t> dims;
  Handle ds = open_dataset(parent, name, 1, dims);
  {
    Handle type = check(H5Dget_type(ds.id()), H5Tclose, "type of " + name);
    const H5T_class_t cls = H5Tget_class(type.id());
    const bool want_int = H5Tget_class(mem_type) == H5T_INTEGER;
    if (want_int ? cls != H5T_INTEGER : cls != H5T_INTEGER && cls != H5T_FLOAT)
      fail("dataset '" + name + "' in " + where(parent) + " is not " +
           (want_int ? "an integer" : "a number") + " dataset");
  }
  std::vector<T> out(dims[0]);
  if (!out.empty() && H5Dread(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail("cannot read dataset '" + name + "' in " + where(parent) + " (corrupt or wrong type)");
  return out;
}
}  // namespace

void write_file(const std::filesystem::path& path, const std::function<void(hid_t file)>& fill) {
  silence_hdf5_errors();
  std::vector<char> image;
  {
    Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access property list");
    if (H5Pset_fapl_core(fapl.id(), size_t{1} << 20, 0) < 0)
      fail("core driver for " + path.string());
    // The in-memory file carries the path as its name, so errors from `fill` name it.
    Handle f = check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), H5Fclose,
                     "cannot create " + path.string() + " in memory");
    fill(f.id());
    if (H5Fflush(f.id(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush " + path.string());
    const ssize_t size = H5Fget_file_image(f.id(), nullptr, 0);
    if (size < 0) fail("cannot take the image of " + path.string());
    image.resize(static_cast<size_t>(size));
    if (H5Fget_file_image(f.id(), image.data(), image.size()) != size)
      fail("cannot take the image of " + path.string());
    f.close("cannot close " + path.string() + " in memory");
  }
  write_bytes(path, std::string_view(image.data(), image.size()));
}

Handle open_file(const std::filesystem::path& path) {
  silence_hdf5_errors();
  if (!std::filesystem::exists(path)) fail(path.string() + " does not exist");
  // HDF5 would block forever in open() on a FIFO nobody writes to: look first, without blocking.
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fail("cannot open " + path.string() + ": " + std::strerror(errno));
    struct stat st {};
    const int rc = ::fstat(fd, &st);
    ::close(fd);
    if (rc != 0 || !S_ISREG(st.st_mode))
      fail(path.string() + " is not a regular file (a FIFO, device or folder)");
  }
  return check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
               "cannot open " + path.string() + " (not an HDF5 file, or truncated/corrupt)");
}

Handle create_group(hid_t parent, const std::string& name) {
  return check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
               "cannot create group '" + name + "' in " + where(parent));
}

Handle open_group(hid_t parent, const std::string& name) {
  if (!exists(parent, name)) fail("group '" + name + "' is missing in " + where(parent));
  return check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose,
               "cannot open group '" + name + "' in " + where(parent));
}

bool exists(hid_t parent, const std::string& name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

void write_attr(hid_t obj, const std::string& name, const std::string& value) {
  Handle type = string_type();
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace");
  Handle a = check(H5Acreate2(obj, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose, "cannot create attribute '" + name + "' in " + where(obj));
  const char* p = value.c_str();
  if (H5Awrite(a.id(), type.id(), &p) < 0) fail("cannot write attribute '" + name + "'");
}

void write_attr(hid_t obj, const std::string& name, std::int64_t value) {
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace");
  Handle a =
      check(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose, "cannot create attribute '" + name + "' in " + where(obj));
  if (H5Awrite(a.id(), H5T_NATIVE_INT64, &value) < 0) fail("cannot write attribute '" + name + "'");
}

void write_attr(hid_t obj, const std::string& name, double value) {
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace");
  Handle a =
      check(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose, "cannot create attribute '" + name + "' in " + where(obj));
  if (H5Awrite(a.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    fail("cannot write attribute '" + name + "'");
}

namespace {
Handle open_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0)
    fail("attribute '" + name + "' is missing in " + where(obj));
  return check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose,
               "cannot open attribute '" + name + "' in " + where(obj));
}
}  // namespace

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::string read_attr_string(hid_t obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle ftype = check(H5Aget_type(a.id()), H5Tclose, "attribute type");
  if (H5Tget_class(ftype.id()) != H5T_STRING)
    fail("attribute '" + name + "' in " + where(obj) + " is not a string");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    Handle mem = string_type();
    char* p = nullptr;
    if (H5Aread(a.id(), mem.id(), &p) < 0 || !p) fail("cannot read attribute '" + name + "'");
    std::string s(p);
    H5free_memory(p);
    return s;
  }
  // Fixed-length strings (what h5py writes for numpy bytes_ values).
  const size_t n = H5Tget_size(ftype.id());
  std::string s(n, '\0');
  Handle mem = check(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  H5Tset_size(mem.id(), n);
  if (H5Aread(a.id(), mem.id(), s.data()) < 0) fail("cannot read attribute '" + name + "'");
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::int64_t read_attr_int(hid_t obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle ftype = check(H5Aget_type(a.id()), H5Tclose, "attribute type");
  if (H5Tget_class(ftype.id()) != H5T_INTEGER)
    fail("attribute '" + name + "' in " + where(obj) + " is not an integer");
  std::int64_t v = 0;
  if (H5Aread(a.id(), H5T_NATIVE_INT64, &v) < 0) fail("cannot read attribute '" + name + "'");
  return v;
}

double read_attr_double(hid_t obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  double v = 0;
  if (H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail("cannot read attribute '" + name + "'");
  return v;
}

void write_doubles(hid_t parent, const std::string& name, const std::vector<double>& v) {
  const hsize_t dims[1] = {v.size()};
  write_dataset(parent, name, H5T_IEEE_F64LE, v.data(), 1, dims);
}

void write_ints(hid_t parent, const std::string& name, const std::vector<std::int64_t>& v) {
  const hsize_t dims[1] = {v.size()};
  Handle space = check(H5Screate_simple(1, dims, nullptr), H5Sclose, "dataspace");
  Handle ds = check(H5Dcreate2(parent, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT,
                               H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose, "cannot create dataset '" + name + "' in " + where(parent));
  if (!v.empty() &&
      H5Dwrite(ds.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail("cannot write dataset '" + name + "'");
}

void write_matrix(hid_t parent, const std::string& name, const double* row_major, size_t rows,
                  size_t cols) {
  const hsize_t dims[2] = {rows, cols};
  write_dataset(parent, name, H5T_IEEE_F64LE, row_major, 2, dims);
}

void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  ptrs.reserve(v.size());
  for (const auto& s : v) ptrs.push_back(s.c_str());
  Handle type = string_type();
  const hsize_t dims[1] = {v.size()};
  Handle space = check(H5Screate_simple(1, dims, nullptr), H5Sclose, "dataspace");
  Handle ds = check(H5Dcreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT,
                               H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose, "cannot create dataset '" + name + "' in " + where(parent));
  if (v.empty()) return;
  Handle xfer = string_transfer(v.size(), name);
  if (H5Dwrite(ds.id(), type.id(), H5S_ALL, H5S_ALL, xfer.id(), ptrs.data()) < 0)
    fail("cannot write dataset '" + name + "'");
}

std::vector<double> read_doubles(hid_t parent, const std::string& name) {
  return read_1d<double>(parent, name, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> read_ints(hid_t parent, const std::string& name) {
  return read_1d<std::int64_t>(parent, name, H5T_NATIVE_INT64);
}

std::vector<double> read_matrix(hid_t parent, const std::string& name, size_t& rows, size_t& cols) {
  std::vector<hsize_t> dims;
  Handle ds = open_dataset(parent, name, 2, dims);
  rows = dims[0];
  cols = dims[1];
  std::vector<double> out(rows * cols);
  if (!out.empty() &&
      H5Dread(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail("cannot read dataset '" + name + "' in " + where(parent));
  return out;
}

std::vector<std::string> read_strings(hid_t parent, const std::string& name) {
  std::vector<hsize_t> dims;
  Handle ds = open_dataset(parent, name, 1, dims);
  Handle type = string_type();
  std::vector<char*> ptrs(dims[0], nullptr);
  if (!ptrs.empty() && H5Dread(ds.id(), type.id(), H5S_ALL, H5S_ALL,
                               string_transfer(ptrs.size(), name).id(), ptrs.data()) < 0)
    fail("cannot read dataset '" + name + "' in " + where(parent));
  std::vector<std::string> out;
  out.reserve(ptrs.size());
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    if (p) H5free_memory(p);
  }
  return out;
}

std::vector<std::string> list_children(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

}  // namespace mixbo::h5
