// Resizing images by interpolation (PyTorch's F.interpolate for 4-D inputs, modes 'nearest'
// and 'bilinear'), differentiable with a hand-written backward. NCHW layout. Not here: the
// modes 'nearest-exact', 'bicubic', 'area', antialias, recompute_scale_factor, 1-D and 3-D.
#pragma once

#include <ostream>

#include "soma/core/tensor.h"
#include "soma/ops/window.h"

namespace soma {

enum class UpsampleMode : std::uint8_t {
  nearest,   ///< PyTorch's 'nearest': source pixel floor(dst * in / out) (not 'nearest-exact')
  bilinear,  ///< weighted mean of the 4 nearest source pixels
};

/// A scale factor along (height, width); converts from one number (both) and from {h, w}.
struct Scale {
  double h = 0, w = 0;
  constexpr Scale(double both) : h(both), w(both) {}
  constexpr Scale(double h, double w) : h(h), w(w) {}
  bool operator==(const Scale&) const = default;
};

/// Prints "2" for a square scale and "1.5x2" (h x w) otherwise, as errors show it.
inline std::ostream& operator<<(std::ostream& os, const Scale& s) {
  return s.h == s.w ? os << s.h : os << s.h << 'x' << s.w;
}

/// upsample(x, {.scale_factor = 2}), upsample(x, {.size = {7, 9}, .mode = UpsampleMode::bilinear}).
/// Give exactly one of size and scale_factor.
struct UpsampleParams {
  Pair size = 0;           ///< output H x W; 0 (the default): not given
  Scale scale_factor = 0;  ///< output floor(H * scale) x floor(W * scale); 0: not given
  UpsampleMode mode = UpsampleMode::nearest;
  /// bilinear only: true maps the corner pixels of input and output onto each other (scale
  /// (in - 1) / (out - 1)); false (PyTorch's default) treats pixels as areas (scale in / out,
  /// or 1 / scale_factor when that was given, as PyTorch).
  bool align_corners = false;
};

/// x [N, C, H, W] -> [N, C, OH, OW]. Source coordinates follow PyTorch's CPU kernels exactly:
///   nearest:  src = min(floor(dst * scale), in - 1), scale computed in float32 as PyTorch
///   bilinear: src = scale * (dst + 0.5) - 0.5 (clamped at 0), or scale * dst with align_corners;
///             blends rows floor(src) and floor(src) + 1 (the last row with itself)
/// where scale is 1 / scale_factor when that was given and in / out otherwise. Backward adds
/// each output's gradient back to its source pixels with the same weights.
/// Throws soma::Error naming the op and the shapes when x is not 4-D, both or neither of size
/// and scale_factor are given, a size or scale is not positive, the output would be empty, or
/// align_corners is set with 'nearest'.
Tensor upsample(const Tensor& x, const UpsampleParams& params);

}  // namespace soma
