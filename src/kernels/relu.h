// ReLU's and LeakyReLU's forward and backward loops, vectorized for the CPU's widest vectors
// (multiversion.h): ReLU runs twice per hidden layer in every training step, and as a
// generic elementwise map it compiled to a scalar compare-and-branch (22% of benchmark B6's
// step, docs/performance.md; LeakyReLU's 12% of B7's). For float and double.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// y[i] = max(x[i], 0), keeping NaN (as PyTorch's relu does).
template <class T>
void relu_forward(const T* x, T* y, std::int64_t n);

/// gx[i] = y[i] > 0 ? gy[i] : 0, from relu's output y.
template <class T>
void relu_backward(const T* gy, const T* y, T* gx, std::int64_t n);

/// y[i] = x[i] > 0 ? x[i] : slope * x[i] (NaN stays NaN); slope is rounded to T first.
template <class T>
void leaky_relu_forward(const T* x, T* y, T slope, std::int64_t n);

/// gx[i] = x[i] > 0 ? gy[i] : slope * gy[i], from leaky_relu's input x (PyTorch's choice at 0).
template <class T>
void leaky_relu_backward(const T* gy, const T* x, T* gx, T slope, std::int64_t n);

}  // namespace soma::kernels
