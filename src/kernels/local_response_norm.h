// Local response normalization loops (Krizhevsky et al. 2012, PyTorch's F.local_response_norm),
// float32 and float64, over x viewed as (N, C, S): S is every axis after the channels.
// Each element is divided by a power of the sum of squares over `size` neighbouring channels.
// Not here: shape checks (src/ops/local_response_norm.cpp).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// The sizes and constants of one call: scale = k + alpha / size * sum of x^2 over channels
/// [c - size / 2, c + (size - 1) / 2] (clipped to [0, C)), y = x * scale^-beta.
struct LrnGeometry {
  std::int64_t N = 1, C = 1, S = 1;
  std::int64_t size = 1;
  double alpha = 1e-4, beta = 0.75, k = 1;
};

/// x, y and scale are (N, C, S); scale keeps each element's denominator base for backward.
template <class T>
void local_response_norm_forward(const T* x, const LrnGeometry& g, T* y, T* scale);

/// gx (N, C, S), written in full, from gy, the input x and forward's scale:
///   gx_j = gy_j scale_j^-beta - 2 alpha beta / size * x_j * sum over the c whose window holds j
///          of gy_c x_c scale_c^(-beta-1).
template <class T>
void local_response_norm_backward(const T* gy, const T* x, const T* scale, const LrnGeometry& g, T* gx);

}  // namespace soma::kernels
