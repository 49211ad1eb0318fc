// The activations' forward and backward loops that training steps spend time in (sigmoid,
// ReLU, LeakyReLU, tanh), vectorized for the CPU's widest vectors (multiversion.h). As generic
// elementwise maps relu and leaky_relu compiled to a scalar compare-and-branch (22% of
// benchmark B6's step, 12% of B7's) and float32 tanh to a libm call per element (8% of B7's;
// docs/performance.md). For float and double.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// y[i] = 1 / (1 + e^-x[i]): float through exp_fast (fast_math.h) in vector registers (the
/// RBM's and the recurrent cells' formula), double through libm. y may be x.
/// NOTE: on XOR-sized tensors (4 and 20 elements) this costs what a loop of libm's expf did
/// (~60 ns, latency-bound); the vectors pay off from a few dozen elements on.
template <class T>
void sigmoid_forward(const T* x, T* y, std::int64_t n);

/// gx[i] = gy[i] * y[i] * (1 - y[i]), from sigmoid's output y.
template <class T>
void sigmoid_backward(const T* gy, const T* y, T* gx, std::int64_t n);

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

/// y[i] = tanh(x[i]): float through tanh_fast (fast_math.h, within 1.4 ulp), double libm's.
template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n);

/// gx[i] = gy[i] * (1 - y[i]^2), from tanh's output y.
template <class T>
void tanh_backward(const T* gy, const T* y, T* gx, std::int64_t n);

}  // namespace soma::kernels
