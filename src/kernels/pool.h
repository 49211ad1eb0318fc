// Pooling loops over image planes, float32 and float64: max pooling (with the index of each
// window's winner, for backward), average pooling with PyTorch's divisors, global average
// pooling. Planes are independent, so the loops run on OpenMP threads over N*C planes.
// Not here: shape checks and output-size arithmetic (src/ops/pool.cpp).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// A window sliding over one H x W plane, giving OH x OW outputs. Windows start at
/// oh*stride_h - pad_h (likewise across); the caller made sure each starts inside the input
/// or its left/top padding and that the padding is at most half the kernel.
struct PoolGeometry {
  std::int64_t H = 1, W = 1;
  std::int64_t kH = 1, kW = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t OH = 1, OW = 1;
};

/// x is (planes, H, W), y (planes, OH, OW). y = the largest element of each window (padding
/// never wins); argmax (planes, OH, OW), if not null, gets its index within the plane
/// (ih * W + iw). Ties go to the first in row-major order; a NaN wins over numbers (the last
/// NaN of a window), as in PyTorch.
template <class T>
void max_pool2d_forward(const T* x, std::int64_t planes, const PoolGeometry& g, T* y, std::int32_t* argmax);

/// gx (planes, H, W) = 0, then gx[argmax] += gy for every output.
template <class T>
void max_pool2d_backward(const T* gy, const std::int32_t* argmax, std::int64_t planes, const PoolGeometry& g, T* gx);

/// y = mean of each window. Divisor: the window clipped to the padded input when
/// count_include_pad, else the number of input elements under it.
template <class T>
void avg_pool2d_forward(const T* x, std::int64_t planes, const PoolGeometry& g, bool count_include_pad, T* y);

/// gx (planes, H, W), written in full: each output's gradient spread over its window's
/// input elements, divided by the same divisor as forward.
template <class T>
void avg_pool2d_backward(const T* gy, std::int64_t planes, const PoolGeometry& g, bool count_include_pad, T* gx);

/// x is (planes, HW), y (planes): the mean of each plane.
template <class T>
void global_avg_pool2d_forward(const T* x, std::int64_t planes, std::int64_t HW, T* y);

/// gx (planes, HW) = gy[plane] / HW.
template <class T>
void global_avg_pool2d_backward(const T* gy, std::int64_t planes, std::int64_t HW, T* gx);

/// Adaptive pooling's window along one axis for output i of `out` from `in`:
/// [floor(i * in / out), ceil((i + 1) * in / out)), PyTorch's (the ONNX export writes the same).
inline std::int64_t adaptive_start(std::int64_t i, std::int64_t in, std::int64_t out) { return (i * in) / out; }
inline std::int64_t adaptive_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

/// x is (planes, H, W), y (planes, OH, OW): PyTorch's adaptive average pooling, output (i, j)
/// the mean of rows [floor(i H / OH), ceil((i + 1) H / OH)) and likewise columns (windows may
/// overlap, and repeat an input element when OH > H).
template <class T>
void adaptive_avg_pool2d_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, std::int64_t OH,
                                 std::int64_t OW, T* y);

/// gx (planes, H, W), written in full: each output's gradient spread over its window.
template <class T>
void adaptive_avg_pool2d_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W, std::int64_t OH,
                                  std::int64_t OW, T* gx);

}  // namespace soma::kernels
