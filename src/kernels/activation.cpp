// The activation loops (activation.h). `#pragma omp simd` vectorizes them whatever the cost
// model (-O2 vectorizes only loops whose trip count is a multiple of the vector width); a
// compare becomes a mask and a blend, no branch. This file is built with -fno-trapping-math
// (CMakeLists.txt), so that GCC may evaluate both sides of a select.
#include "kernels/activation.h"

#include <cmath>

#include "kernels/fast_math.h"
#include "kernels/multiversion.h"
#include "kernels/parallel.h"

namespace soma::kernels {
namespace {

template <class T>
SOMA_MULTIVERSION void relu_forward_range(const T* x, T* y, std::int64_t begin, std::int64_t end) {
  // NOTE: x < 0 ? 0 : x keeps NaN (the comparison is false), as std::max(x, 0) and PyTorch do.
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) y[i] = x[i] < T(0) ? T(0) : x[i];
}

template <class T>
SOMA_MULTIVERSION void relu_backward_range(const T* gy, const T* y, T* gx, std::int64_t begin, std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) gx[i] = y[i] > T(0) ? gy[i] : T(0);
}

template <class T>
SOMA_MULTIVERSION void leaky_relu_forward_range(const T* x, T* y, T slope, std::int64_t begin, std::int64_t end) {
  // NOTE: the multiply runs for every element, not only where the source asks: that is what
  // -fno-trapping-math allows; without it GCC kept this loop scalar, a branch per element,
  // except with AVX-512's masked multiplies.
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) y[i] = x[i] > T(0) ? x[i] : slope * x[i];
}

template <class T>
SOMA_MULTIVERSION void leaky_relu_backward_range(const T* gy, const T* x, T* gx, T slope, std::int64_t begin,
                                                 std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) gx[i] = x[i] > T(0) ? gy[i] : slope * gy[i];
}

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

SOMA_MULTIVERSION void sigmoid_forward_range(const float* x, float* y, std::int64_t begin, std::int64_t end) {
#pragma omp simd  // the clamps of exp_fast become min/max
  for (std::int64_t i = begin; i < end; ++i) y[i] = 1.0f / (1.0f + exp_fast(-x[i]));
}

void sigmoid_forward_range(const double* x, double* y, std::int64_t begin, std::int64_t end) {
  for (std::int64_t i = begin; i < end; ++i) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

template <class T>
SOMA_MULTIVERSION void sigmoid_backward_range(const T* gy, const T* y, T* gx, std::int64_t begin, std::int64_t end) {
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) gx[i] = gy[i] * y[i] * (T(1) - y[i]);
}

}  // namespace

template <class T>
void sigmoid_forward(const T* x, T* y, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { sigmoid_forward_range(x, y, b, e); });
}

template <class T>
void sigmoid_backward(const T* gy, const T* y, T* gx, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { sigmoid_backward_range(gy, y, gx, b, e); });
}

template <class T>
void relu_forward(const T* x, T* y, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { relu_forward_range(x, y, b, e); });
}

template <class T>
void relu_backward(const T* gy, const T* y, T* gx, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { relu_backward_range(gy, y, gx, b, e); });
}

template <class T>
void leaky_relu_forward(const T* x, T* y, T slope, std::int64_t n) {
  parallel_for(n, kParallelGrain,
               [&](std::int64_t b, std::int64_t e) { leaky_relu_forward_range(x, y, slope, b, e); });
}

template <class T>
void leaky_relu_backward(const T* gy, const T* x, T* gx, T slope, std::int64_t n) {
  parallel_for(n, kParallelGrain,
               [&](std::int64_t b, std::int64_t e) { leaky_relu_backward_range(gy, x, gx, slope, b, e); });
}

template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { tanh_forward_range(x, y, b, e); });
}

template <class T>
void tanh_backward(const T* gy, const T* y, T* gx, std::int64_t n) {
  parallel_for(n, kParallelGrain, [&](std::int64_t b, std::int64_t e) { tanh_backward_range(gy, y, gx, b, e); });
}

template void sigmoid_forward<float>(const float*, float*, std::int64_t);
template void sigmoid_forward<double>(const double*, double*, std::int64_t);
template void sigmoid_backward<float>(const float*, const float*, float*, std::int64_t);
template void sigmoid_backward<double>(const double*, const double*, double*, std::int64_t);
template void relu_forward<float>(const float*, float*, std::int64_t);
template void relu_forward<double>(const double*, double*, std::int64_t);
template void relu_backward<float>(const float*, const float*, float*, std::int64_t);
template void relu_backward<double>(const double*, const double*, double*, std::int64_t);
template void leaky_relu_forward<float>(const float*, float*, float, std::int64_t);
template void leaky_relu_forward<double>(const double*, double*, double, std::int64_t);
template void leaky_relu_backward<float>(const float*, const float*, float*, float, std::int64_t);
template void leaky_relu_backward<double>(const double*, const double*, double*, double, std::int64_t);
template void tanh_forward<float>(const float*, float*, std::int64_t);
template void tanh_forward<double>(const double*, double*, std::int64_t);
template void tanh_backward<float>(const float*, const float*, float*, std::int64_t);
template void tanh_backward<double>(const double*, const double*, double*, std::int64_t);

}  // namespace soma::kernels
