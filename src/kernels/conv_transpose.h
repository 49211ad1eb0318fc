// The loops a transposed convolution needs besides conv2d's own kernels (im2col.h,
// conv_dnnl.h), which it runs with input and output swapped: the bias broadcast over the
// output planes and the bias gradient, sums over the batch and each plane.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// y (N, C, P) += b[c] on every element of plane (n, c).
template <class T>
void add_channel_bias(std::int64_t N, std::int64_t C, std::int64_t P, const T* b, T* y);

/// gb (C) = sum over n and the plane of gy (N, C, P), written in full.
template <class T>
void sum_channels(std::int64_t N, std::int64_t C, std::int64_t P, const T* gy, T* gb);

}  // namespace soma::kernels
