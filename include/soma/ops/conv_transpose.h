// Transposed 2-D convolution (PyTorch's F.conv_transpose2d), differentiable: one fused node
// with a hand-written backward. It is the adjoint of conv2d with the same weight: each input
// pixel scatters weight * value into a window of the output, so stride s upsamples by s
// (the generator of a DCGAN, the decoder of a convolutional autoencoder). NCHW layout,
// weight [C_in, C_out / groups, kH, kW]. Not here: output_size= (pick output_padding
// instead), 1-D/3-D, padding modes other than zeros.
#pragma once

#include "soma/core/tensor.h"
#include "soma/ops/window.h"

namespace soma {

/// conv_transpose2d(x, w, b, {.stride = 2, .padding = 1}); fields in PyTorch's argument order.
struct ConvTranspose2dParams {
  Pair stride = 1;          ///< step between the windows the input pixels write, >= 1
  Pair padding = 0;         ///< rows/columns cut from each side of the full output, >= 0
  Pair output_padding = 0;  ///< extra rows/columns at the bottom/right, < stride or < dilation
  std::int64_t groups = 1;  ///< input and output channels split into this many independent groups
  Pair dilation = 1;        ///< spacing between kernel taps, >= 1
};

/// y[n, g*Og + o, ih*sh - ph + i*dh, iw*sw - pw + j*dw] += x[n, c, ih, iw] * w[c, o, i, j]
/// for every input channel c of group g (Og = C_out / groups), plus bias[o] everywhere; taps
/// that land outside the output are dropped. x is [N, C_in, H, W] (or [C_in, H, W]), weight
/// [C_in, C_out / groups, kH, kW], bias [C_out] or undefined, all one floating dtype.
/// The output is [N, C_out, OH, OW] with
///   OH = (H - 1) sh - 2 ph + dh (kH - 1) + output_padding_h + 1   (likewise OW).
/// float32 runs through oneDNN's convolution primitives (its backward-data computes this
/// forward), float64 through im2col/col2im + GEMM (docs/convolution.md).
/// Throws soma::Error naming the shapes and the arithmetic when the channels do not match,
/// groups does not divide them, a size is out of range, output_padding is not smaller than
/// stride or dilation (as PyTorch), or the output would be empty.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        const ConvTranspose2dParams& params = {});

}  // namespace soma
