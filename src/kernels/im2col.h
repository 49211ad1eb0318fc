// Convolution lowered to matrix products (im2col + GEMM), for float32 and float64: im2col
// turns one image's channels into a matrix whose columns are the receptive fields of the
// output positions, so that the convolution is W * col; col2im adds such a matrix back into
// an image (the adjoint, for the input gradient). The batch loops run on OpenMP threads, one
// image at a time per thread, each thread with its own column buffer from the caller.
// Not here: shape checks (src/ops/conv2d.cpp) and the oneDNN path (kernels/conv_dnnl.h).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// One group of one image: input channels C of H x W, the kernel and how it slides, and the
/// output plane OH x OW it yields. Padding on the bottom/right is implied by OH/OW (it may
/// differ from the top/left, as for PyTorch's padding='same' with an even kernel).
struct ConvGeometry {
  std::int64_t C = 1, H = 1, W = 1;
  std::int64_t kH = 1, kW = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0;
  std::int64_t dil_h = 1, dil_w = 1;
  std::int64_t OH = 1, OW = 1;

  std::int64_t rows() const { return C * kH * kW; }  ///< K: the reduction length of the GEMM
  std::int64_t cols() const { return OH * OW; }      ///< P: output positions
  /// A 1x1 kernel with stride 1 and no padding: the image itself is the column matrix.
  bool is_pointwise() const {
    return kH == 1 && kW == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0;
  }
};

/// x is (C, H, W); col is (C*kH*kW, OH*OW) with row stride ld. Row (c, i, j), column
/// (oh, ow) = x[c, oh*stride_h - pad_top + i*dil_h, ow*stride_w - pad_left + j*dil_w], 0 outside.
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col, std::int64_t ld);

/// The adjoint of im2col: x (C, H, W) += every entry of col (C*kH*kW, OH*OW, row stride ld)
/// at the pixel im2col read it from; entries over the padding are dropped.
template <class T>
void col2im(const T* col, const ConvGeometry& g, std::int64_t ld, T* x);

/// A grouped convolution over a batch: N images of groups * g.C channels, O output channels
/// (O / groups per group), g the geometry of one group.
struct ConvShape {
  std::int64_t N = 1, groups = 1, O = 1;
  ConvGeometry g;

  std::int64_t out_per_group() const { return O / groups; }
};

/// A thread is worth starting for at least this many multiply-adds: below, waking the pool
/// costs more than the work (and on a loaded machine a waiting thread can cost milliseconds).
constexpr std::int64_t kMinMacsPerThread = std::int64_t(1) << 18;

/// Multiply-adds of the convolution (forward; each gradient costs as much).
inline std::int64_t conv_macs(const ConvShape& s) { return s.N * s.O * s.g.rows() * s.g.cols(); }

/// Threads the batch loop runs on: min(OpenMP's maximum, N, one per kMinMacsPerThread).
int conv_threads(const ConvShape& s);
/// Elements of the workspace conv2d_forward needs (for all threads together).
std::int64_t conv_forward_workspace(const ConvShape& s);
/// Elements of the workspace conv2d_backward needs for the gradients asked for.
std::int64_t conv_backward_workspace(const ConvShape& s, bool weight_grad, bool bias_grad);

/// y = conv(x, w) + b. x is (N, groups*g.C, H, W), w (O, g.C, kH, kW), b (O) or null,
/// y (N, O, OH, OW); workspace holds conv_forward_workspace(s) elements.
template <class T>
void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* b, T* y, T* workspace);

/// Gradients of conv2d_forward given gy (N, O, OH, OW): gx (like x), gw (like w) and gb (O)
/// are each written in full where not null (gw and gb summed over the batch). Workspace:
/// conv_backward_workspace(s, gw != null, gb != null) elements.
template <class T>
void conv2d_backward(const ConvShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb, T* workspace);

}  // namespace soma::kernels
