// Interpolation loops for upsample (ops/upsample.h), float32 and float64: per output row and
// column the source pixels and weights are computed once (Taps), then every plane of the
// batch is resized with them. Planes are independent, so both directions run on OpenMP
// threads over N*C planes. Not here: shape checks and the choice of scale (src/ops/upsample.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace soma::kernels {

/// Along one axis, for each output index: the two source indices and their weights
/// (out = w0 * in[i0] + w1 * in[i1]). Nearest uses only i0.
template <class T>
struct Taps {
  std::vector<std::int64_t> i0, i1;
  std::vector<T> w0, w1;
};

/// PyTorch's 'nearest' source indices: min(floor(dst * scale), in - 1) with a float32 scale,
/// 1 / scale_factor when given, else in / out.
template <class T>
Taps<T> nearest_taps(std::int64_t in, std::int64_t out, std::optional<double> scale_factor);

/// PyTorch's linear source indices and weights (area_pixel_compute_source_index), computed
/// in T as PyTorch's CPU kernel does.
template <class T>
Taps<T> linear_taps(std::int64_t in, std::int64_t out, bool align_corners, std::optional<double> scale_factor);

/// x (planes, H, W) -> y (planes, rows.size(), cols.size()): y[oh, ow] = x[rows.i0[oh], cols.i0[ow]].
template <class T>
void upsample_nearest_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, const Taps<T>& rows,
                              const Taps<T>& cols, T* y);

/// gx (planes, H, W), written in full: the sum of gy over the outputs that copied each pixel.
template <class T>
void upsample_nearest_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W,
                               const Taps<T>& rows, const Taps<T>& cols, T* gx);

/// y[oh, ow] = rows.w0 * (cols.w0 * x[h0, w0] + cols.w1 * x[h0, w1]) + rows.w1 * (... row h1).
template <class T>
void upsample_bilinear_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, const Taps<T>& rows,
                               const Taps<T>& cols, T* y);

/// gx (planes, H, W), written in full: each gy spread over its 4 source pixels with the weights.
template <class T>
void upsample_bilinear_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W,
                                const Taps<T>& rows, const Taps<T>& cols, T* gx);

}  // namespace soma::kernels
