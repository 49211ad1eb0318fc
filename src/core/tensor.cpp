// Tensor: element access, copies and printing (autograd parts: src/autograd; the constructor
// that allocates, beside the allocator in storage.cpp).
#include "soma/core/tensor.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <vector>

namespace soma {

namespace {
std::int64_t flat_index(const Shape& shape, std::initializer_list<std::int64_t> index) {
  SOMA_CHECK(int(index.size()) == shape.dim(), "tensor index: ", index.size(),
             " indices for a tensor of shape ", shape);
  std::int64_t flat = 0;
  int axis = 0;
  for (auto i : index) {
    SOMA_CHECK(i >= 0 && i < shape[axis], "tensor index: index ", i, " is out of range for axis ",
               axis, " of size ", shape[axis]);
    flat = flat * shape[axis] + i;
    ++axis;
  }
  return flat;
}
}  // namespace

double Tensor::item() const {
  SOMA_CHECK(defined(), "item: the tensor is undefined");
  SOMA_CHECK(numel() == 1, "item: expected a tensor with one element, got shape ", shape());
  return dispatch_all(dtype(), [&]<class T>() { return double(*data<T>()); });
}

double Tensor::at(std::initializer_list<std::int64_t> index) const {
  const auto i = flat_index(shape(), index);
  return dispatch_all(dtype(), [&]<class T>() { return double(data<T>()[i]); });
}

void Tensor::set(std::initializer_list<std::int64_t> index, double value) {
  const auto i = flat_index(shape(), index);
  dispatch_all(dtype(), [&]<class T>() { data<T>()[i] = T(value); });
}

Tensor Tensor::copy() const {
  Tensor out(shape(), dtype());
  std::memcpy(out.raw_data(), raw_data(), numel() * size_of(dtype()));
  return out;
}

// Two of Tensor's autograd methods live here, not in src/autograd: they only read or drop the
// node, and core itself uses them (to(), printing), which must not reach up to autograd.
bool Tensor::requires_grad() const { return defined() && bool(impl_->grad_node); }

Tensor Tensor::detach() const {
  return Tensor(make_ref<TensorImpl>(impl_->storage, impl_->offset, impl_->shape, impl_->dtype));
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return detach();
  Tensor out(shape(), target);
  const auto n = numel();
  dispatch_all(dtype(), [&]<class S>() {
    dispatch_all(target, [&]<class D>() {
      const S* src = data<S>();
      D* dst = out.data<D>();
      for (std::int64_t i = 0; i < n; ++i) dst[i] = D(src[i]);
    });
  });
  return out;
}

namespace {
// Prints one axis of a tensor, recursing over at most Shape::kMaxDims levels.
template <class T>
void print_axis(std::ostream& os, const T* p, const Shape& s, int axis, int indent) {
  constexpr std::int64_t kEdge = 3, kSummarizeOver = 8;
  std::int64_t inner = 1;
  for (int a = axis + 1; a < s.dim(); ++a) inner *= s[a];
  const std::int64_t n = s[axis];
  os << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (n > kSummarizeOver && i == kEdge) {
      os << (axis + 1 == s.dim() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - kEdge;
    }
    if (axis + 1 == s.dim()) {
      if constexpr (std::is_floating_point_v<T>) os << std::setw(9) << std::fixed << std::setprecision(4);
      os << p[i];
    } else {
      print_axis(os, p + i * inner, s, axis + 1, indent + 1);
    }
    if (i + 1 < n) os << (axis + 1 == s.dim() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::ostringstream body;
  dispatch_all(t.dtype(), [&]<class T>() {
    if (t.dim() == 0) body << t.data<T>()[0];
    else print_axis(body, t.data<T>(), t.shape(), 0, 7);
  });
  os << "tensor(" << body.str() << ", shape=" << t.shape() << ", dtype=" << name_of(t.dtype());
  if (t.requires_grad()) os << ", requires_grad";
  return os << ')';
}

}  // namespace soma
