// dst += src over n elements: how the backward engine sums the gradients that reach one tensor
// (autograd::accumulate). As a loop inside the engine it compiled to scalar SSE, one element per
// store, and took 6% of benchmark B7's step (docs/performance.md); here it is vectorized for the
// CPU's widest vectors (multiversion.h). For float and double.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// dst[i] += src[i] for i < n (on several threads when n is large, kernels/parallel.h).
template <class T>
void add_into(T* dst, const T* src, std::int64_t n);

}  // namespace soma::kernels
