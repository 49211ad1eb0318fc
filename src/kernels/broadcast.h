// NumPy broadcasting for binary elementwise kernels: the output shape, and for each input
// the element stride of every output axis (0 where the input is broadcast along it).
// Adjacent axes that step alike are merged so the inner loop is as long as possible.
#pragma once

#include <cstdint>

#include "soma/core/shape.h"

namespace soma::kernels {

struct BroadcastPlan {
  int dims = 0;  // after merging; at least 1
  std::int64_t size[Shape::kMaxDims];
  std::int64_t stride_a[Shape::kMaxDims];
  std::int64_t stride_b[Shape::kMaxDims];
  std::int64_t numel = 1;
};

/// The broadcast shape of a and b; throws soma::Error naming `op` and both shapes.
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op);
/// Plan for iterating `out` (the broadcast shape) with inputs of shapes a and b.
BroadcastPlan plan_broadcast(const Shape& out, const Shape& a, const Shape& b);

/// Calls f(i_out, i_a, i_b) for every output element, in row-major order.
template <class F>
void for_each_broadcast(const BroadcastPlan& p, F&& f) {
  const int d = p.dims;
  const std::int64_t inner = p.size[d - 1], sa = p.stride_a[d - 1], sb = p.stride_b[d - 1];
  std::int64_t counter[Shape::kMaxDims] = {};
  std::int64_t ia = 0, ib = 0;
  for (std::int64_t o = 0; o < p.numel; o += inner) {
    for (std::int64_t j = 0; j < inner; ++j) f(o + j, ia + j * sa, ib + j * sb);
    for (int axis = d - 2; axis >= 0; --axis) {  // advance the outer counter
      ia += p.stride_a[axis];
      ib += p.stride_b[axis];
      if (++counter[axis] < p.size[axis]) break;
      ia -= p.stride_a[axis] * p.size[axis];
      ib -= p.stride_b[axis] * p.size[axis];
      counter[axis] = 0;
    }
  }
}

/// dst (shape `to`) = sum of src (shape `from`) over the axes along which `to` was broadcast.
/// `to` must broadcast to `from`.
template <class T>
void sum_to(const T* src, const Shape& from, T* dst, const Shape& to) {
  const std::int64_t n_to = to.numel();
  for (std::int64_t i = 0; i < n_to; ++i) dst[i] = T(0);
  const auto plan = plan_broadcast(from, to, to);
  for_each_broadcast(plan, [&](std::int64_t o, std::int64_t t, std::int64_t) { dst[t] += src[o]; });
}

}  // namespace soma::kernels
