// Conv2d: PyTorch Conv2d's checks at construction, its default initialization, and errors
// that name the layer before the op's own arithmetic.
#include "soma/nn/conv.h"

#include <cmath>

#include "conv_layer.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"

namespace soma::nn {

Conv2d::Conv2d(const Conv2dOptions& options, Generator& gen) : options_(options) {
  const Conv2dOptions& o = options;
  SOMA_CHECK(o.in > 0 && o.out > 0, "Conv2d: in and out must be positive, got in = ", o.in, ", out = ", o.out);
  SOMA_CHECK(o.kernel.h >= 1 && o.kernel.w >= 1, "Conv2d(", o.in, " -> ", o.out,
             "): the kernel size must be at least 1 (set .kernel), got ", o.kernel);
  SOMA_CHECK(o.groups >= 1 && o.in % o.groups == 0 && o.out % o.groups == 0, "Conv2d(", o.in, " -> ", o.out,
             "): groups ", o.groups, " must be at least 1 and divide both in and out");
  SOMA_CHECK(o.stride.h >= 1 && o.stride.w >= 1 && o.dilation.h >= 1 && o.dilation.w >= 1, "Conv2d(", o.in, " -> ",
             o.out, "): stride and dilation must be at least 1, got stride ", o.stride, ", dilation ", o.dilation);
  SOMA_CHECK(o.padding.mode() != Padding::Mode::same || o.stride == Pair(1), "Conv2d(", o.in, " -> ", o.out,
             "): padding 'same' needs stride 1 (as in PyTorch), got stride ", o.stride);
  SOMA_CHECK(o.padding.mode() != Padding::Mode::sizes || (o.padding.sizes().h >= 0 && o.padding.sizes().w >= 0),
             "Conv2d(", o.in, " -> ", o.out, "): padding must not be negative, got ", o.padding);
  check_activation("Conv2d(" + std::to_string(o.in) + " -> " + std::to_string(o.out) + ")", o.activation);
  params_ = {.stride = o.stride, .padding = o.padding, .dilation = o.dilation, .groups = o.groups};
  // kaiming_uniform(a = sqrt(5)) reduces to U(±1/sqrt(fan_in)); PyTorch's bias uses the same bound.
  const double fan_in = double(o.in / o.groups) * double(o.kernel.h) * double(o.kernel.w);
  const double bound = 1.0 / std::sqrt(fan_in);
  weight_ = register_parameter(
      "weight", uniform({o.out, o.in / o.groups, o.kernel.h, o.kernel.w}, -bound, bound, gen, o.dtype));
  if (o.bias) bias_ = register_parameter("bias", uniform({o.out}, -bound, bound, gen, o.dtype));
}

std::string Conv2d::describe() const { return detail::describe_conv("Conv2d", options_); }

Shape Conv2d::output_shape(const Shape& input) const {
  const Conv2dOptions& o = options_;
  detail::check_conv_input(describe(), input, o.in);
  const int n = input.dim();
  const std::int64_t H = input[n - 2], W = input[n - 1];
  const auto [top, bottom] = conv_axis_padding(o.padding, o.padding.sizes().h, o.kernel.h, o.dilation.h);
  const auto [left, right] = conv_axis_padding(o.padding, o.padding.sizes().w, o.kernel.w, o.dilation.w);
  const std::int64_t pad_h = top + bottom, pad_w = left + right;
  const std::int64_t OH = conv_output_size(H, pad_h, o.kernel.h, o.stride.h, o.dilation.h);
  const std::int64_t OW = conv_output_size(W, pad_w, o.kernel.w, o.stride.w, o.dilation.w);
  SOMA_CHECK(OH >= 1 && OW >= 1, describe(), ": input ", o.in, 'x', H, 'x', W, ", kernel ", o.kernel, ", stride ",
             o.stride, ", padding ", o.padding, ": the padded input is ", H + pad_h, 'x', W + pad_w,
             " but the kernel spans ", o.dilation.h * (o.kernel.h - 1) + 1, 'x', o.dilation.w * (o.kernel.w - 1) + 1);
  Shape out = input;
  out[n - 3] = o.out;
  out[n - 2] = OH;
  out[n - 1] = OW;
  return out;
}

std::string Conv2d::shape_arithmetic(const Shape& input) const {
  return detail::conv_arithmetic(options_, input, output_shape(input));
}

std::int64_t Conv2d::flops(const Shape& input) const {
  const Shape out = output_shape(input);
  return out.numel() * (options_.in / options_.groups) * options_.kernel.h * options_.kernel.w;
}

Tensor Conv2d::forward(const Tensor& x) {
  detail::check_conv_forward(describe(), x, options_.in);
  try {
    // Axis -3 is the channels of [N, C, H, W] and of an unbatched [C, H, W].
    return activate(options_.activation, conv2d(x, weight_, bias_, params_), -3);
  } catch (const Error& e) {
    throw Error(describe() + ": " + e.what());
  }
}

}  // namespace soma::nn
