// Conv2d: PyTorch Conv2d's checks at construction, its default initialization, and errors
// that name the layer before the op's own arithmetic.
#include "soma/nn/conv.h"

#include <cmath>
#include <sstream>

#include "soma/core/factory.h"

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
  params_ = {.stride = o.stride, .padding = o.padding, .dilation = o.dilation, .groups = o.groups};
  // kaiming_uniform(a = sqrt(5)) reduces to U(±1/sqrt(fan_in)); PyTorch's bias uses the same bound.
  const double fan_in = double(o.in / o.groups) * double(o.kernel.h) * double(o.kernel.w);
  const double bound = 1.0 / std::sqrt(fan_in);
  weight_ = register_parameter(
      "weight", uniform({o.out, o.in / o.groups, o.kernel.h, o.kernel.w}, -bound, bound, gen, o.dtype));
  if (o.bias) bias_ = register_parameter("bias", uniform({o.out}, -bound, bound, gen, o.dtype));
}

std::string Conv2d::describe() const {
  std::ostringstream os;
  os << "Conv2d(" << options_.in << " -> " << options_.out << ", kernel " << options_.kernel;
  if (!(options_.stride == Pair(1))) os << ", stride " << options_.stride;
  if (!(options_.padding == Padding(0))) os << ", padding " << options_.padding;
  if (!(options_.dilation == Pair(1))) os << ", dilation " << options_.dilation;
  if (options_.groups != 1) os << ", groups " << options_.groups;
  os << ')';
  return os.str();
}

namespace {

// The output size along one axis; `pad` is the total padding (both sides). Returns 0 or less
// when the kernel does not fit.
std::int64_t conv_output_size(std::int64_t in, std::int64_t pad, std::int64_t kernel, std::int64_t stride,
                              std::int64_t dilation) {
  const std::int64_t reach = dilation * (kernel - 1) + 1;
  return in + pad < reach ? 0 : (in + pad - reach) / stride + 1;
}

std::int64_t total_padding(const Padding& padding, std::int64_t explicit_size, std::int64_t kernel,
                           std::int64_t dilation) {
  switch (padding.mode()) {
    case Padding::Mode::valid: return 0;
    case Padding::Mode::same: return dilation * (kernel - 1);  // output size = input size
    default: return 2 * explicit_size;
  }
}

}  // namespace

Shape Conv2d::output_shape(const Shape& input) const {
  const Conv2dOptions& o = options_;
  const int n = input.dim();
  SOMA_CHECK(n == 4 || n == 3, describe(), " expects [N, ", o.in, ", H, W] (or [", o.in, ", H, W]) but receives ",
             input);
  SOMA_CHECK(input[n - 3] == o.in, describe(), " expects ", o.in, " input channels but receives ", input[n - 3],
             " (input ", input, ")");
  const std::int64_t H = input[n - 2], W = input[n - 1];
  const std::int64_t pad_h = total_padding(o.padding, o.padding.sizes().h, o.kernel.h, o.dilation.h);
  const std::int64_t pad_w = total_padding(o.padding, o.padding.sizes().w, o.kernel.w, o.dilation.w);
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
  const Shape out = output_shape(input);
  const int n = input.dim();
  std::ostringstream os;
  os << "input " << input[n - 3] << 'x' << input[n - 2] << 'x' << input[n - 1] << ", kernel " << options_.kernel
     << ", stride " << options_.stride << ", padding " << options_.padding;
  if (!(options_.dilation == Pair(1))) os << ", dilation " << options_.dilation;
  if (options_.groups != 1) os << ", groups " << options_.groups;
  os << " -> " << out[n - 2] << 'x' << out[n - 1];
  return os.str();
}

std::int64_t Conv2d::flops(const Shape& input) const {
  const Shape out = output_shape(input);
  return out.numel() * (options_.in / options_.groups) * options_.kernel.h * options_.kernel.w;
}

Tensor Conv2d::forward(const Tensor& x) {
  SOMA_CHECK(x.defined() && (x.dim() == 4 || x.dim() == 3) && x.size(-3) == options_.in, describe(), ": expects [N, ",
             options_.in, ", H, W] (or [", options_.in, ", H, W]) but receives shape ",
             x.defined() ? x.shape().str() : std::string("undefined"));
  try {
    return conv2d(x, weight_, bias_, params_);
  } catch (const Error& e) {
    throw Error(describe() + ": " + e.what());
  }
}

}  // namespace soma::nn
