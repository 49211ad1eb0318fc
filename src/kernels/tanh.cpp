// tanh loops (tanh.h). `#pragma omp simd` vectorizes them whatever the cost model; tanh_fast's
// compares become masks and blends (this file is built with -fno-trapping-math, see
// CMakeLists.txt, so GCC may evaluate both sides of a select).
#include "kernels/tanh.h"

#include <cmath>

#include "kernels/fast_math.h"
#include "kernels/multiversion.h"
#include "kernels/parallel.h"

namespace soma::kernels {
namespace {

SOMA_MULTIVERSION void tanh_forward_range(const float* x, float* y, std::int64_t begin, std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) y[i] = tanh_fast(x[i]);
}

void tanh_forward_range(const double* x, double* y, std::int64_t begin, std::int64_t end) {
  for (std::int64_t i = begin; i < end; ++i) y[i] = std::tanh(x[i]);
}

template <class T>
SOMA_MULTIVERSION void tanh_backward_range(const T* gy, const T* y, T* gx, std::int64_t begin, std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) gx[i] = gy[i] * (T(1) - y[i] * y[i]);
}

}  // namespace

template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { tanh_forward_range(x, y, b, e); });
}

template <class T>
void tanh_backward(const T* gy, const T* y, T* gx, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { tanh_backward_range(gy, y, gx, b, e); });
}

template void tanh_forward<float>(const float*, float*, std::int64_t);
template void tanh_forward<double>(const double*, double*, std::int64_t);
template void tanh_backward<float>(const float*, const float*, float*, std::int64_t);
template void tanh_backward<double>(const double*, const double*, double*, std::int64_t);

}  // namespace soma::kernels
