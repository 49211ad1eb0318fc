// Shape: inline sizes, axis normalization and printing.
#include "soma/core/shape.h"

#include <ostream>
#include <sstream>

#include "soma/core/error.h"

namespace soma {

Shape::Shape(std::initializer_list<std::int64_t> sizes)
    : Shape(std::span<const std::int64_t>(sizes.begin(), sizes.size())) {}

Shape::Shape(std::span<const std::int64_t> sizes) {
  SOMA_CHECK(sizes.size() <= kMaxDims, "shape: at most ", kMaxDims, " dimensions, got ", sizes.size());
  for (auto s : sizes) push_back(s);
}

void Shape::push_back(std::int64_t size) {
  SOMA_CHECK(n_ < kMaxDims, "shape: at most ", kMaxDims, " dimensions");
  SOMA_CHECK(size >= 0, "shape: sizes must be non-negative, got ", size);
  d_[n_++] = size;
}

void Shape::throw_bad_axis(int i) const {
  detail::throw_error("axis ", i, " is out of range for a tensor of shape ", str());
}

std::string Shape::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  os << '[';
  for (int i = 0; i < s.dim(); ++i) os << (i ? ", " : "") << s[i];
  return os << ']';
}

}  // namespace soma
