// Private helpers that make an elementwise op a few lines: forward maps over the input(s),
// backward maps over the output gradient and what the op saved; and the losses' input checks
// and reductions.
#pragma once

#include "kernels/broadcast.h"
#include "kernels/parallel.h"
#include "soma/autograd/function.h"
#include "soma/core/factory.h"
#include "soma/ops/loss.h"
#include "soma/ops/reduction.h"

namespace soma::ops_detail {

using autograd::Grads;

/// An op's output saved for its backward without a tensor handle: the output's own handle
/// would hold the node that holds it (a cycle), and a detached copy is a new TensorImpl per
/// op and step. The storage holds no node.
class SavedData {
 public:
  explicit SavedData(const Tensor& t) : storage_(t.impl()->storage), offset_(t.impl()->offset) {}
  /// The saved elements; T must be the tensor's element type.
  template <class T>
  const T* data() const {
    return static_cast<const T*>(storage_->data()) + offset_;
  }

 private:
  Ref<Storage> storage_;
  std::int64_t offset_;
};

/// y[i] = f(x[i]) for a floating x.
template <class F>
Tensor map_unary(const Tensor& x, const char* op, F f) {
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    kernels::parallel_for(x.numel(), kernels::kParallelGrain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) py[i] = f(px[i]);
    });
  });
  return y;
}

/// out[i] = f(a[i], b[i]) for tensors of one shape (gradient formulas: f(gy, saved)).
template <class F>
Tensor map_same(const Tensor& a, const Tensor& b, F f) {
  Tensor out(a.shape(), a.dtype());
  dispatch_floating(a.dtype(), "backward", [&]<class T>() {
    const T *pa = a.data<T>(), *pb = b.data<T>();
    T* po = out.data<T>();
    kernels::parallel_for(a.numel(), kernels::kParallelGrain, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i) po[i] = f(pa[i], pb[i]);
    });
  });
  return out;
}

/// out[i] = f(a[i], b[i], c[i]) for tensors of one shape.
template <class F>
Tensor map_same(const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  Tensor out(a.shape(), a.dtype());
  dispatch_floating(a.dtype(), "backward", [&]<class T>() {
    const T *pa = a.data<T>(), *pb = b.data<T>(), *pc = c.data<T>();
    T* po = out.data<T>();
    kernels::parallel_for(a.numel(), kernels::kParallelGrain, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i) po[i] = f(pa[i], pb[i], pc[i]);
    });
  });
  return out;
}

/// Checks that a and b can meet in a binary op: same floating dtype.
void check_binary(const Tensor& a, const Tensor& b, const char* op);

/// out = f(a, b) elementwise with NumPy broadcasting; throws naming `op` and both shapes.
template <class F>
Tensor map_binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_binary(a, b, op);
  if (a.shape() == b.shape()) return map_same(a, b, f);
  const Shape shape = kernels::broadcast_shape(a.shape(), b.shape(), op);
  const auto plan = kernels::plan_broadcast(shape, a.shape(), b.shape());
  Tensor out(shape, a.dtype());
  dispatch_floating(a.dtype(), op, [&]<class T>() {
    const T *pa = a.data<T>(), *pb = b.data<T>();
    T* po = out.data<T>();
    kernels::for_each_broadcast(plan, [&](std::int64_t o, std::int64_t ia, std::int64_t ib) {
      po[o] = f(pa[ia], pb[ib]);
    });
  });
  return out;
}

/// The gradient `g` of a broadcast result summed back to an input's `shape`.
Tensor reduce_to(const Tensor& g, const Shape& shape);

// A loss's per-element (or per-row) values combined as `reduction` says.
inline Tensor reduce_loss(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::mean: return mean(losses);
    case Reduction::sum: return sum(losses);
    default: return losses;
  }
}

// Index of the first element of `t` where bad(value) holds, or -1: the losses' input checks.
// Runs serially, before any parallel loop, because an exception must not leave an OpenMP region.
template <class Bad>
std::int64_t first_bad(const Tensor& t, Bad bad) {
  return dispatch_floating(t.dtype(), "loss", [&]<class T>() -> std::int64_t {
    const T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i)
      if (bad(p[i])) return i;
    return -1;
  });
}

}  // namespace soma::ops_detail
