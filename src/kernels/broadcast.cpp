// Broadcast shapes and iteration plans.
#include "kernels/broadcast.h"

#include "soma/core/error.h"

namespace soma::kernels {

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  const int d = std::max(a.dim(), b.dim());
  Shape out;
  for (int i = 0; i < d; ++i) {
    const int ia = a.dim() - d + i, ib = b.dim() - d + i;
    const std::int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    SOMA_CHECK(sa == sb || sa == 1 || sb == 1, op, ": shapes ", a, " and ", b,
               " cannot be broadcast (axis ", i, ": ", sa, " vs ", sb, ")");
    out.push_back(sa == 1 ? sb : sa);
  }
  return out;
}

namespace {
// Row-major element strides of `in` aligned to the axes of `out`, 0 where broadcast.
void aligned_strides(const Shape& out, const Shape& in, std::int64_t* strides) {
  std::int64_t stride = 1;
  for (int i = out.dim() - 1; i >= 0; --i) {
    const int j = in.dim() - out.dim() + i;
    const std::int64_t size = j >= 0 ? in[j] : 1;
    strides[i] = size == 1 ? 0 : stride;
    stride *= size;
  }
}
}  // namespace

BroadcastPlan plan_broadcast(const Shape& out, const Shape& a, const Shape& b) {
  std::int64_t sa[Shape::kMaxDims], sb[Shape::kMaxDims];
  aligned_strides(out, a, sa);
  aligned_strides(out, b, sb);
  BroadcastPlan p;
  p.numel = out.numel();
  for (int i = 0; i < out.dim(); ++i) {
    if (out[i] == 1) continue;  // size-1 axes do not move anything
    const int last = p.dims - 1;
    // Merge with the previous axis when both inputs step contiguously across the boundary.
    if (p.dims > 0 && p.stride_a[last] == sa[i] * out[i] && p.stride_b[last] == sb[i] * out[i]) {
      p.size[last] *= out[i];
      p.stride_a[last] = sa[i];
      p.stride_b[last] = sb[i];
    } else {
      p.size[p.dims] = out[i];
      p.stride_a[p.dims] = sa[i];
      p.stride_b[p.dims] = sb[i];
      ++p.dims;
    }
  }
  if (p.dims == 0) {  // a scalar, or all sizes 1
    p.dims = 1;
    p.size[0] = 1;
    p.stride_a[0] = p.stride_b[0] = 0;
  }
  return p;
}

}  // namespace soma::kernels
