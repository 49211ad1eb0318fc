// tanh's forward and backward loops. float32 goes through tanh_fast (fast_math.h), vectorized
// for the CPU's widest vectors (multiversion.h): libm's scalar tanhf was 8% of benchmark B7's
// step (docs/performance.md). float64 keeps libm's tanh (gradchecks compare it with the exact
// function).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// y[i] = tanh(x[i]): float within 2 ulp (tanh_fast), double libm's.
template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n);

/// gx[i] = gy[i] * (1 - y[i]^2), from tanh's output y.
template <class T>
void tanh_backward(const T* gy, const T* y, T* gx, std::int64_t n);

}  // namespace soma::kernels
