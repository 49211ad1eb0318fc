// ConvTranspose2d: PyTorch ConvTranspose2d's checks at construction, its default
// initialization, and errors that name the layer before the op's own arithmetic.
#include "soma/nn/conv_transpose.h"

#include <cmath>

#include "conv_layer.h"
#include "soma/core/factory.h"

namespace soma::nn {

namespace {

ConvTranspose2dOptions with_sizes(ConvTranspose2dOptions o, std::int64_t in, std::int64_t out, Pair kernel) {
  o.in = in;
  o.out = out;
  o.kernel = kernel;
  return o;
}

}  // namespace

ConvTranspose2d::ConvTranspose2d(std::int64_t in, std::int64_t out, Pair kernel, ConvTranspose2dOptions options,
                                 Generator& gen)
    : ConvTranspose2d(with_sizes(options, in, out, kernel), gen) {}

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& options, Generator& gen) : options_(options) {
  const ConvTranspose2dOptions& o = options;
  SOMA_CHECK(o.in > 0 && o.out > 0, "ConvTranspose2d: in and out must be positive, got in = ", o.in,
             ", out = ", o.out);
  SOMA_CHECK(o.kernel.h >= 1 && o.kernel.w >= 1, "ConvTranspose2d(", o.in, " -> ", o.out,
             "): the kernel size must be at least 1 (set .kernel), got ", o.kernel);
  SOMA_CHECK(o.groups >= 1 && o.in % o.groups == 0 && o.out % o.groups == 0, "ConvTranspose2d(", o.in, " -> ",
             o.out, "): groups ", o.groups, " must be at least 1 and divide both in and out");
  SOMA_CHECK(o.stride.h >= 1 && o.stride.w >= 1 && o.dilation.h >= 1 && o.dilation.w >= 1, "ConvTranspose2d(",
             o.in, " -> ", o.out, "): stride and dilation must be at least 1, got stride ", o.stride,
             ", dilation ", o.dilation);
  SOMA_CHECK(o.padding.h >= 0 && o.padding.w >= 0 && o.output_padding.h >= 0 && o.output_padding.w >= 0,
             "ConvTranspose2d(", o.in, " -> ", o.out, "): padding and output_padding must not be negative, got ",
             "padding ", o.padding, ", output_padding ", o.output_padding);
  SOMA_CHECK((o.output_padding.h < o.stride.h || o.output_padding.h < o.dilation.h) &&
                 (o.output_padding.w < o.stride.w || o.output_padding.w < o.dilation.w),
             "ConvTranspose2d(", o.in, " -> ", o.out, "): output_padding ", o.output_padding,
             " must be smaller than either stride ", o.stride, " or dilation ", o.dilation, " (as in PyTorch)");
  params_ = {.stride = o.stride,
             .padding = o.padding,
             .output_padding = o.output_padding,
             .groups = o.groups,
             .dilation = o.dilation};
  // kaiming_uniform(a = sqrt(5)) reduces to U(±1/sqrt(fan_in)), and PyTorch takes fan_in from
  // the weight's second size, which for a transposed convolution is out / groups.
  const double fan_in = double(o.out / o.groups) * double(o.kernel.h) * double(o.kernel.w);
  const double bound = 1.0 / std::sqrt(fan_in);
  weight_ = register_parameter(
      "weight", uniform({o.in, o.out / o.groups, o.kernel.h, o.kernel.w}, -bound, bound, gen, o.dtype));
  if (o.bias) bias_ = register_parameter("bias", uniform({o.out}, -bound, bound, gen, o.dtype));
}

std::string ConvTranspose2d::describe() const { return detail::describe_conv("ConvTranspose2d", options_); }

Shape ConvTranspose2d::output_shape(const Shape& input) const {
  const ConvTranspose2dOptions& o = options_;
  detail::check_conv_input(describe(), input, o.in);
  const int n = input.dim();
  const std::int64_t H = input[n - 2], W = input[n - 1];
  SOMA_CHECK(H >= 1 && W >= 1, describe(), ": the input planes must not be empty, got ", input);
  const std::int64_t OH =
      conv_transpose_output_size(H, o.kernel.h, o.stride.h, o.padding.h, o.output_padding.h, o.dilation.h);
  const std::int64_t OW =
      conv_transpose_output_size(W, o.kernel.w, o.stride.w, o.padding.w, o.output_padding.w, o.dilation.w);
  SOMA_CHECK(OH >= 1 && OW >= 1, describe(), ": input ", o.in, 'x', H, 'x', W, ", kernel ", o.kernel, ", stride ",
             o.stride, ", padding ", o.padding, ", output_padding ", o.output_padding, " -> ", OH, 'x', OW,
             " (each side: (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1): the output "
             "would be empty");
  Shape out = input;
  out[n - 3] = o.out;
  out[n - 2] = OH;
  out[n - 1] = OW;
  return out;
}

std::string ConvTranspose2d::shape_arithmetic(const Shape& input) const {
  return detail::conv_arithmetic(options_, input, output_shape(input));
}

std::int64_t ConvTranspose2d::flops(const Shape& input) const {
  output_shape(input);
  return input.numel() * (options_.out / options_.groups) * options_.kernel.h * options_.kernel.w;
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  detail::check_conv_forward(describe(), x, options_.in);
  try {
    return conv_transpose2d(x, weight_, bias_, params_);
  } catch (const Error& e) {
    throw Error(describe() + ": " + e.what());
  }
}

}  // namespace soma::nn
