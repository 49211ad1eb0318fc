// ConvTranspose2d: PyTorch ConvTranspose2d's checks at construction, its default
// initialization, and errors that name the layer before the op's own arithmetic.
#include "soma/nn/conv_transpose.h"

#include <cmath>
#include <sstream>

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

std::string ConvTranspose2d::describe() const {
  const ConvTranspose2dOptions& o = options_;
  std::ostringstream os;
  os << "ConvTranspose2d(" << o.in << " -> " << o.out << ", kernel " << o.kernel;
  if (!(o.stride == Pair(1))) os << ", stride " << o.stride;
  if (!(o.padding == Pair(0))) os << ", padding " << o.padding;
  if (!(o.output_padding == Pair(0))) os << ", output_padding " << o.output_padding;
  if (!(o.dilation == Pair(1))) os << ", dilation " << o.dilation;
  if (o.groups != 1) os << ", groups " << o.groups;
  os << ')';
  return os.str();
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  SOMA_CHECK(x.defined() && (x.dim() == 4 || x.dim() == 3) && x.size(-3) == options_.in, describe(),
             ": expects [N, ", options_.in, ", H, W] (or [", options_.in, ", H, W]) but receives shape ",
             x.defined() ? x.shape().str() : std::string("undefined"));
  try {
    return conv_transpose2d(x, weight_, bias_, params_);
  } catch (const Error& e) {
    throw Error(describe() + ": " + e.what());
  }
}

}  // namespace soma::nn
