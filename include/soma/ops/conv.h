// 2-D convolution (PyTorch's F.conv2d, which is a cross-correlation), differentiable: one
// fused node with a hand-written backward for the input, the weight and the bias. NCHW
// layout, weight [C_out, C_in / groups, kH, kW]. Not here: transposed convolution, 1-D/3-D
// convolution, padding modes other than zeros.
#pragma once

#include "soma/core/tensor.h"
#include "soma/ops/window.h"

namespace soma {

/// How the kernel slides: conv2d(x, w, b, {.stride = 2, .padding = 1}).
struct Conv2dParams {
  Pair stride = 1;          ///< step between output positions, >= 1
  Padding padding = 0;      ///< zeros around the input: sizes >= 0, Padding::same or Padding::valid
  Pair dilation = 1;        ///< spacing between kernel taps, >= 1
  std::int64_t groups = 1;  ///< input and output channels split into this many independent groups
};

/// y[n, o] = bias[o] + sum over c in o's group, i, j of
///   w[o, c, i, j] * x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]   (zero outside the input).
/// x is [N, C, H, W] (or [C, H, W], one unbatched image); weight [O, C / groups, kH, kW];
/// bias [O] or undefined; all of one floating dtype. The output is [N, O, OH, OW] with
///   OH = (H + 2 ph - dh (kH - 1) - 1) / sh + 1   (rounded down; likewise OW).
/// float32 runs through oneDNN or im2col + GEMM (whichever measured faster for the shape, see
/// docs/convolution.md), float64 through im2col + GEMM.
/// Throws soma::Error naming the shapes and the arithmetic when the channels do not match, a
/// size is not positive, groups does not divide the channels, the output would be empty, or
/// Padding::same is asked for with a stride other than 1.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), const Conv2dParams& params = {});

}  // namespace soma
