// Output-size arithmetic of convolution and pooling windows (ops/window.h): the one copy that
// the ops (conv2d.cpp, conv_transpose2d.cpp, pool.cpp) and the layers' output_shape share.
#include "soma/ops/window.h"

namespace soma {

std::pair<std::int64_t, std::int64_t> conv_axis_padding(const Padding& padding, std::int64_t explicit_size,
                                                        std::int64_t kernel, std::int64_t dilation) {
  switch (padding.mode()) {
    case Padding::Mode::valid: return {0, 0};
    case Padding::Mode::same: {
      const std::int64_t total = dilation * (kernel - 1);  // output size = input size at stride 1
      return {total / 2, total - total / 2};
    }
    default: return {explicit_size, explicit_size};
  }
}

std::int64_t conv_output_size(std::int64_t in, std::int64_t padding, std::int64_t kernel, std::int64_t stride,
                              std::int64_t dilation) {
  const std::int64_t reach = dilation * (kernel - 1) + 1;
  return in + padding < reach ? 0 : (in + padding - reach) / stride + 1;
}

std::int64_t conv_transpose_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                                        std::int64_t padding, std::int64_t output_padding, std::int64_t dilation) {
  return (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1;
}

std::int64_t pool_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                              bool ceil_mode) {
  const std::int64_t span = in + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0);
  const std::int64_t floor_div = span >= 0 ? span / stride : -((-span + stride - 1) / stride);
  std::int64_t out = floor_div + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace soma
