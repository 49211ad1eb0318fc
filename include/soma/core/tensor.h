// Tensor: soma's one user-facing array type. Contiguous row-major storage, 64-byte aligned,
// shared by views (reshape, leading-axis slices); a nullable pointer to autograd data.
// Math lives in ops/ as free functions (matmul(a, b), a + b); Tensor holds data and grad.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>

#include "soma/core/dtype.h"
#include "soma/core/error.h"
#include "soma/core/ref.h"
#include "soma/core/shape.h"

namespace soma {

/// A block of memory from soma's caching allocator (64-byte aligned, reused without
/// returning pages to the kernel, so a training step's steady state does not touch new pages).
class Storage : public RefCounted {
 public:
  /// A storage whose data is a separate block (a new small tensor's storage and data share
  /// one block with the tensor instead: see Tensor(shape, dtype) in src/core/storage.cpp).
  explicit Storage(std::size_t bytes);
  ~Storage() override;
  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }

 protected:
  struct Inline {};
  Storage(Inline, std::size_t bytes, void* data);

 private:
  void* data_;
  std::size_t bytes_;
  bool owns_block_;  // data_ is a block of the caching allocator, not part of this object
};

/// What a Tensor handle points to. `grad_node` is an autograd::Node (opaque to core):
/// null for a tensor outside any graph.
namespace detail {
/// Test aid: when on, new storage is filled with NaN bytes so that a kernel that forgets to
/// write an element is caught by a finiteness check. Off by default.
void set_poison_new_storage(bool on);
}  // namespace detail

/// NOTE: `storage` is set once, at construction: a small tensor's TensorImpl lives inside its
/// storage's block (src/core/storage.cpp) and must keep that storage.
struct TensorImpl : RefCounted {
  // User-provided, so that `new TensorImpl()` does not zero the whole object before running
  // the member initializers (a 120-byte `rep stos` per tensor).
  TensorImpl() {}
  TensorImpl(Ref<Storage> storage, std::int64_t offset, const Shape& shape, DType dtype)
      : storage(std::move(storage)), offset(offset), shape(shape), dtype(dtype) {}

  Ref<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  DType dtype = DType::f32;
  Ref<RefCounted> grad_node;
};

class Tensor {
 public:
  /// An undefined tensor (no data); `defined()` is false.
  Tensor() = default;
  explicit Tensor(Ref<TensorImpl> impl) : impl_(std::move(impl)) {}
  /// Uninitialized storage of `shape` (see also zeros/ones/full in core/factory.h).
  Tensor(const Shape& shape, DType dtype);

  bool defined() const { return bool(impl_); }
  const Shape& shape() const { return impl_->shape; }
  int dim() const { return impl_->shape.dim(); }
  /// Size of `axis` (negative counts from the end).
  std::int64_t size(int axis) const { return impl_->shape.size(axis); }
  std::int64_t numel() const { return impl_->shape.numel(); }
  DType dtype() const { return impl_->dtype; }

  /// Typed pointer to the first element. Throws when T does not match dtype().
  template <class T>
  T* data() const {
    SOMA_CHECK(dtype_of<T>() == dtype(), "tensor data: asked for ", name_of(dtype_of<T>()),
               " but the tensor is ", name_of(dtype()));
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * size_of(impl_->dtype);
  }
  /// The value of a one-element tensor, as double. Throws for more than one element.
  double item() const;
  /// Element at a full index, as double (bounds checked).
  double at(std::initializer_list<std::int64_t> index) const;
  /// Sets the element at a full index (bounds checked; casts to dtype()).
  void set(std::initializer_list<std::int64_t> index, double value);

  /// A fresh copy of the data, outside any graph.
  Tensor copy() const;
  /// A copy converted to `dtype` (the same data, detached, if it already has it); outside any graph.
  Tensor to(DType dtype) const;
  /// True when both share storage.
  bool shares_storage(const Tensor& other) const { return impl_->storage.get() == other.impl_->storage.get(); }

  // ---- autograd (in src/autograd; requires_grad and detach, used by core, in core) ----
  bool requires_grad() const;
  /// Marks a leaf tensor as a parameter whose gradient backward() accumulates. Returns *this.
  /// Throws for non-floating tensors and for outputs of ops (non-leaves).
  Tensor& set_requires_grad(bool on = true);
  /// True for tensors not produced by a recorded op.
  bool is_leaf() const;
  /// Accumulated gradient of a leaf; undefined until a backward pass reaches it.
  Tensor grad() const;
  /// Replaces the gradient (undefined clears it).
  void set_grad(const Tensor& grad);
  /// Forgets the accumulated gradient (PyTorch's set_to_none).
  void zero_grad();
  /// Back-propagates from this tensor. Without `grad` the tensor must hold one element
  /// (seed 1). The graph is freed afterwards unless `retain_graph`.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;
  /// The same data, cut from the graph.
  Tensor detach() const;
  /// Overwrites this tensor's values with `src`'s, in place (PyTorch's copy_): the way to set a
  /// parameter, `NoGradGuard g; dense.weight().copy_(w);`. Every handle to the data sees it.
  /// Throws soma::Error for an undefined source, another shape or dtype (convert with to()),
  /// and for a tensor that requires grad while grad mode is on (as PyTorch, outside no_grad).
  const Tensor& copy_(const Tensor& src) const;

  TensorImpl* impl() const { return impl_.get(); }

 private:
  Ref<TensorImpl> impl_;
};

/// PyTorch-like printing: values, shape and dtype; large axes are summarized with "...".
std::ostream& operator<<(std::ostream& os, const Tensor& t);

/// Calls `f.template operator()<T>()` with T the C++ type of a floating dtype (float, double).
template <class F>
decltype(auto) dispatch_floating(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    default: detail::throw_error(op, ": expected a float32 or float64 tensor, got ", name_of(dtype));
  }
}

/// Like dispatch_floating, for every dtype (int64 included).
template <class F>
decltype(auto) dispatch_all(DType dtype, F&& f) {
  switch (dtype) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    default: return f.template operator()<std::int64_t>();
  }
}

}  // namespace soma
