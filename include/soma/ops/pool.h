// 2-D pooling over NCHW images, differentiable: max pooling (gradient to the chosen element),
// average pooling with PyTorch's divisor rules, and global average pooling. Not here: pooling
// dilation, divisor_override, adaptive max pooling, 1-D/3-D pooling.
#pragma once

#include "soma/core/tensor.h"
#include "soma/ops/window.h"

namespace soma {

/// Maximum over each kH x kW window (PyTorch's F.max_pool2d). x is [N, C, H, W] or [C, H, W];
/// stride 0 (the default) means the kernel, as PyTorch's stride=None; padding counts as -inf
/// and must be at most half the kernel.
/// Output size: OH = (H + 2 ph - kH) / sh + 1, rounded down, or up with ceil_mode, in which
/// case a last window that would start in the right/bottom padding is dropped (PyTorch's rule).
/// The first largest element of a window wins ties, and a NaN wins over any number; backward
/// sends each output's gradient to that element. Throws soma::Error with the arithmetic for
/// sizes < 1, too much padding or an empty output.
Tensor max_pool2d(const Tensor& x, Pair kernel, Pair stride = 0, Pair padding = 0,
                  bool ceil_mode = false);

/// Mean over each window (PyTorch's F.avg_pool2d), sizes as for max_pool2d with zeros as
/// padding. The divisor is the window clipped to the padded input (kH*kW except for windows
/// that ceil_mode lets run past it) when count_include_pad, else the number of input elements
/// under the window.
Tensor avg_pool2d(const Tensor& x, Pair kernel, Pair stride = 0, Pair padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);

/// Mean of each channel over its H x W plane: [N, C, H, W] -> [N, C, 1, 1] (and [C, H, W] ->
/// [C, 1, 1]), PyTorch's F.adaptive_avg_pool2d(x, 1). Throws for an empty plane.
Tensor global_avg_pool2d(const Tensor& x);
/// PyTorch's F.adaptive_avg_pool2d(x, output_size): [N, C, H, W] (or [C, H, W]) -> [N, C, OH,
/// OW], output (i, j) the mean of rows [floor(i H / OH), ceil((i + 1) H / OH)) and columns
/// likewise. Any sizes: windows overlap when H is not a multiple of OH, and an output larger
/// than the input repeats elements (torchvision's AlexNet and VGG pool to 6x6 and 7x7 this
/// way whatever the image size). Throws soma::Error for an output size below 1 or an empty plane.
Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size);

}  // namespace soma
