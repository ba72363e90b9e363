#pragma once
// A flat byte buffer for shipping problems between MPI ranks. Values are written in host byte
// order (all ranks of one job share an architecture).
#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "mixbo/core/error.hpp"

namespace mixbo {

class ByteWriter {
 public:
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(&v);
    buf_.insert(buf_.end(), p, p + sizeof(T));
  }
  void put(const std::string& s) {
    put<std::uint64_t>(s.size());
    buf_.insert(buf_.end(), s.begin(), s.end());
  }
  void put(const Eigen::MatrixXd& m) {
    put<std::int64_t>(m.rows());
    put<std::int64_t>(m.cols());
    put_raw(m.data(), sizeof(double) * static_cast<size_t>(m.size()));
  }
  void put(const Eigen::VectorXd& v) {
    put<std::int64_t>(v.size());
    put_raw(v.data(), sizeof(double) * static_cast<size_t>(v.size()));
  }
  void put_raw(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    buf_.insert(buf_.end(), c, c + n);
  }
  const std::vector<unsigned char>& bytes() const { return buf_; }
  std::vector<unsigned char> take() { return std::move(buf_); }

 private:
  std::vector<unsigned char> buf_;
};

class ByteReader {
 public:
  ByteReader(const unsigned char* data, size_t size) : p_(data), end_(data + size) {}
  explicit ByteReader(const std::vector<unsigned char>& b) : ByteReader(b.data(), b.size()) {}

  template <class T>
  requires std::is_trivially_copyable_v<T> T get() {
    T v;
    get_raw(&v, sizeof(T));
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  Eigen::MatrixXd get_matrix() {
    const auto r = get<std::int64_t>(), c = get<std::int64_t>();
    Eigen::MatrixXd m(r, c);
    get_raw(m.data(), sizeof(double) * static_cast<size_t>(r * c));
    return m;
  }
  Eigen::VectorXd get_vector() {
    const auto n = get<std::int64_t>();
    Eigen::VectorXd v(n);
    get_raw(v.data(), sizeof(double) * static_cast<size_t>(n));
    return v;
  }
  void get_raw(void* out, size_t n) {
    need(n);
    if (n == 0) return;  // an empty Eigen object has data() == nullptr: memcpy may not see it
    std::memcpy(out, p_, n);
    p_ += n;
  }
  bool done() const { return p_ == end_; }

 private:
  void need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n) throw Error("truncated message between ranks");
  }
  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace mixbo
