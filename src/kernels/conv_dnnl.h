// float32 convolution through oneDNN's convolution primitives (forward, backward data,
// backward weights). Tensors stay NCHW at the interface; inside, oneDNN may want blocked
// layouts, and the reorders to and from them run here, into buffers from soma's caching
// allocator. Primitives are built once per shape and cached. Not here: float64 (oneDNN has
// no f64 convolution; see im2col.h) and shape checks (src/ops/conv2d.cpp).
#pragma once

#include <cstdint>

#include "kernels/im2col.h"

namespace soma::kernels {

/// y (N, O, OH, OW) = conv(x (N, groups*g.C, H, W), w (O, g.C, kH, kW)) + b (O, or null);
/// pad_bottom/pad_right complete the padding (top/left are in s.g). Returns false when oneDNN
/// is not the faster path for the shape (docs/convolution.md) or has no implementation for
/// it; the caller then runs im2col + GEMM, which writes y in full (in deterministic mode part
/// of y may have been written already).
bool dnnl_conv2d_forward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                         const float* w, const float* b, float* y);

/// Gradients given gy (N, O, OH, OW): gx (like x), gw (like w), gb (O), each written in full
/// where not null. Returns false as dnnl_conv2d_forward does.
/// NOTE: gx for fewer than 8 input channels (groups 1) runs on im2col + GEMM, which is
/// faster there; only the bias gradient alone is a plain sum.
bool dnnl_conv2d_backward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                          const float* w, const float* gy, float* gx, float* gw, float* gb);

}  // namespace soma::kernels
