// What Conv2d and ConvTranspose2d share (private to nn): their one-line description, the
// check of the input that reaches output_shape or forward, and the words of shape_arithmetic.
// Templates over the options struct, since the two differ only by output_padding.
#pragma once

#include <sstream>
#include <string>

#include "soma/core/tensor.h"
#include "soma/ops/window.h"

namespace soma::nn::detail {

/// "Conv2d(1 -> 32, kernel 3, stride 2)": `type` and the options that differ from the defaults.
template <class Options>
std::string describe_conv(const char* type, const Options& o) {
  std::ostringstream os;
  os << type << '(' << o.in << " -> " << o.out << ", kernel " << o.kernel;
  if (!(o.stride == Pair(1))) os << ", stride " << o.stride;
  if (!(o.padding == decltype(o.padding)(0))) os << ", padding " << o.padding;
  if constexpr (requires { o.output_padding; })
    if (!(o.output_padding == Pair(0))) os << ", output_padding " << o.output_padding;
  if (!(o.dilation == Pair(1))) os << ", dilation " << o.dilation;
  if (o.groups != 1) os << ", groups " << o.groups;
  os << ')';
  return os.str();
}

/// Throws soma::Error starting with `layer` unless `input` is [N, in, H, W] or [in, H, W].
inline void check_conv_input(const std::string& layer, const Shape& input, std::int64_t in) {
  const int n = input.dim();
  SOMA_CHECK(n == 4 || n == 3, layer, " expects [N, ", in, ", H, W] (or [", in, ", H, W]) but receives ", input);
  SOMA_CHECK(input[n - 3] == in, layer, " expects ", in, " input channels but receives ", input[n - 3], " (input ",
             input, ")");
}

/// Throws soma::Error starting with `layer` unless x is defined and [N, in, H, W] or [in, H, W].
inline void check_conv_forward(const std::string& layer, const Tensor& x, std::int64_t in) {
  SOMA_CHECK(x.defined() && (x.dim() == 4 || x.dim() == 3) && x.size(-3) == in, layer, ": expects [N, ", in,
             ", H, W] (or [", in, ", H, W]) but receives shape ", x.defined() ? x.shape().str() : std::string("undefined"));
}

/// "input 1x28x28, kernel 3, stride 1, padding 1 -> 28x28" (output_padding always, for the
/// transposed form; dilation and groups when not 1).
template <class Options>
std::string conv_arithmetic(const Options& o, const Shape& input, const Shape& out) {
  const int n = input.dim();
  std::ostringstream os;
  os << "input " << input[n - 3] << 'x' << input[n - 2] << 'x' << input[n - 1] << ", kernel " << o.kernel
     << ", stride " << o.stride << ", padding " << o.padding;
  if constexpr (requires { o.output_padding; }) os << ", output_padding " << o.output_padding;
  if (!(o.dilation == Pair(1))) os << ", dilation " << o.dilation;
  if (o.groups != 1) os << ", groups " << o.groups;
  os << " -> " << out[n - 2] << 'x' << out[n - 1];
  return os.str();
}

}  // namespace soma::nn::detail
