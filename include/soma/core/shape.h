// Shape: the sizes of a tensor, outermost first (NCHW, (N, T, F), dense weight [out, in]).
// Stored inline (no heap) because every op creates one.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>

namespace soma {

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> sizes);
  explicit Shape(std::span<const std::int64_t> sizes);

  int dim() const { return n_; }
  std::int64_t operator[](int i) const { return d_[i]; }
  std::int64_t& operator[](int i) { return d_[i]; }
  /// Size of axis `i`; negative counts from the end. Throws on an axis out of range.
  std::int64_t size(int i) const { return d_[axis(i)]; }
  /// Normalizes a possibly negative axis to [0, dim()); throws soma::Error when out of range.
  int axis(int i) const {  // inline: ops ask for size(-1) and the like on every call
    const int a = i < 0 ? i + n_ : i;
    if (a < 0 || a >= n_) [[unlikely]] throw_bad_axis(i);
    return a;
  }
  std::int64_t numel() const {  // inline: every tensor creation and elementwise op asks
    std::int64_t n = 1;
    for (int i = 0; i < n_; ++i) n *= d_[i];
    return n;
  }
  const std::int64_t* begin() const { return d_.data(); }
  const std::int64_t* end() const { return d_.data() + n_; }
  void push_back(std::int64_t size);

  bool operator==(const Shape& other) const {  // inline: checked on every edge of a backward pass
    if (n_ != other.n_) return false;
    for (int i = 0; i < n_; ++i)
      if (d_[i] != other.d_[i]) return false;
    return true;
  }
  std::string str() const;  ///< e.g. "[64, 784]"

 private:
  [[noreturn]] void throw_bad_axis(int i) const;

  std::array<std::int64_t, kMaxDims> d_{};
  int n_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace soma
