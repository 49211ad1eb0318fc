// The loop of add_into.h.
#include "kernels/add_into.h"

#include "kernels/multiversion.h"
#include "kernels/parallel.h"

namespace soma::kernels {
namespace {

template <class T>
SOMA_MULTIVERSION void add_into_range(T* dst, const T* src, std::int64_t begin, std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) dst[i] += src[i];
}

}  // namespace

template <class T>
void add_into(T* dst, const T* src, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { add_into_range(dst, src, b, e); });
}

template void add_into<float>(float*, const float*, std::int64_t);
template void add_into<double>(double*, const double*, std::int64_t);

}  // namespace soma::kernels
