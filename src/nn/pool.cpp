// Pooling layers: options checked when the layer is built, errors prefixed with the layer.
#include "soma/nn/pool.h"

#include <sstream>

namespace soma::nn {
namespace {

void check_window(const char* layer, Pair kernel, Pair stride, Pair padding) {
  SOMA_CHECK(kernel.h >= 1 && kernel.w >= 1, layer, ": the kernel size must be at least 1 (set .kernel), got ", kernel);
  SOMA_CHECK(stride == Pair(0) || (stride.h >= 1 && stride.w >= 1), layer,
             ": stride must be at least 1 (or 0 for the kernel), got ", stride);
  SOMA_CHECK(padding.h >= 0 && padding.w >= 0 && padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2, layer,
             ": padding ", padding, " must be between 0 and half the kernel ", kernel, " (as in PyTorch)");
}

// Runs a pooling op, prefixing its errors with the layer's name.
template <class F>
Tensor named(const char* layer, F op) {
  try {
    return op();
  } catch (const Error& e) {
    throw Error(std::string(layer) + ": " + e.what());
  }
}

std::string window_words(const Shape& input, Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  const int n = input.dim();
  std::ostringstream os;
  os << "input " << input[n - 3] << 'x' << input[n - 2] << 'x' << input[n - 1] << ", kernel " << kernel << ", stride "
     << stride << ", padding " << padding << (ceil_mode ? ", ceil_mode" : "");
  return os.str();
}

// The output shape of a pooling window over `input`, with the arithmetic in the error.
Shape pooled_shape(const char* layer, const Shape& input, Pair kernel, Pair stride_or_0, Pair padding,
                   bool ceil_mode) {
  const int n = input.dim();
  SOMA_CHECK(n == 4 || n == 3, layer, " expects [N, C, H, W] (or [C, H, W]) but receives ", input);
  const Pair stride = stride_or_0 == Pair(0) ? kernel : stride_or_0;
  const std::int64_t OH = pool_output_size(input[n - 2], kernel.h, stride.h, padding.h, ceil_mode);
  const std::int64_t OW = pool_output_size(input[n - 1], kernel.w, stride.w, padding.w, ceil_mode);
  SOMA_CHECK(OH >= 1 && OW >= 1, layer, ": ", window_words(input, kernel, stride, padding, ceil_mode), " -> ", OH, 'x',
             OW, " (each side: (in + 2*padding - kernel) / stride + 1, rounded ", ceil_mode ? "up" : "down",
             "): the window does not fit in the padded input");
  Shape out = input;
  out[n - 2] = OH;
  out[n - 1] = OW;
  return out;
}

std::string pooled_arithmetic(const char* layer, const Shape& input, Pair kernel, Pair stride_or_0, Pair padding,
                              bool ceil_mode) {
  const Shape out = pooled_shape(layer, input, kernel, stride_or_0, padding, ceil_mode);
  const Pair stride = stride_or_0 == Pair(0) ? kernel : stride_or_0;
  return window_words(input, kernel, stride, padding, ceil_mode) + " -> " + std::to_string(out[out.dim() - 2]) + "x" +
         std::to_string(out[out.dim() - 1]);
}

}  // namespace

Shape MaxPool2d::output_shape(const Shape& input) const {
  const auto& o = options_;
  return pooled_shape("MaxPool2d", input, o.kernel, o.stride, o.padding, o.ceil_mode);
}

std::string MaxPool2d::shape_arithmetic(const Shape& input) const {
  const auto& o = options_;
  return pooled_arithmetic("MaxPool2d", input, o.kernel, o.stride, o.padding, o.ceil_mode);
}

Shape AvgPool2d::output_shape(const Shape& input) const {
  const auto& o = options_;
  return pooled_shape("AvgPool2d", input, o.kernel, o.stride, o.padding, o.ceil_mode);
}

std::string AvgPool2d::shape_arithmetic(const Shape& input) const {
  const auto& o = options_;
  return pooled_arithmetic("AvgPool2d", input, o.kernel, o.stride, o.padding, o.ceil_mode);
}

Shape GlobalAvgPool2d::output_shape(const Shape& input) const {
  const int n = input.dim();
  SOMA_CHECK(n == 4 || n == 3, "GlobalAvgPool2d expects [N, C, H, W] (or [C, H, W]) but receives ", input);
  SOMA_CHECK(input[n - 2] * input[n - 1] > 0, "GlobalAvgPool2d: the input ", input, " has empty planes: nothing to average");
  Shape out = input;
  out[n - 2] = out[n - 1] = 1;
  return out;
}

std::string GlobalAvgPool2d::shape_arithmetic(const Shape& input) const {
  output_shape(input);
  const int n = input.dim();
  return "input " + std::to_string(input[n - 3]) + "x" + std::to_string(input[n - 2]) + "x" +
         std::to_string(input[n - 1]) + " -> 1x1";
}

MaxPool2d::MaxPool2d(const MaxPool2dOptions& options) : options_(options) {
  check_window("MaxPool2d", options.kernel, options.stride, options.padding);
}

Tensor MaxPool2d::forward(const Tensor& x) {
  const auto& o = options_;
  return named("MaxPool2d", [&] { return max_pool2d(x, o.kernel, o.stride, o.padding, o.ceil_mode); });
}

AvgPool2d::AvgPool2d(const AvgPool2dOptions& options) : options_(options) {
  check_window("AvgPool2d", options.kernel, options.stride, options.padding);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  const auto& o = options_;
  return named("AvgPool2d",
               [&] { return avg_pool2d(x, o.kernel, o.stride, o.padding, o.ceil_mode, o.count_include_pad); });
}

Tensor GlobalAvgPool2d::forward(const Tensor& x) {
  return named("GlobalAvgPool2d", [&] { return global_avg_pool2d(x); });
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Pair output_size) : output_size_(output_size) {
  SOMA_CHECK(output_size.h >= 1 && output_size.w >= 1, "AdaptiveAvgPool2d: the output size must be at least 1x1, got ",
             output_size);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  return named("AdaptiveAvgPool2d", [&] { return adaptive_avg_pool2d(x, output_size_); });
}

Shape AdaptiveAvgPool2d::output_shape(const Shape& input) const {
  const int n = input.dim();
  SOMA_CHECK(n == 4 || n == 3, "AdaptiveAvgPool2d expects [N, C, H, W] (or [C, H, W]) but receives ", input);
  SOMA_CHECK(input[n - 2] * input[n - 1] > 0, "AdaptiveAvgPool2d: the input ", input,
             " has empty planes: nothing to average");
  Shape out = input;
  out[n - 2] = output_size_.h;
  out[n - 1] = output_size_.w;
  return out;
}

std::string AdaptiveAvgPool2d::shape_arithmetic(const Shape& input) const {
  output_shape(input);
  const int n = input.dim();
  return "input " + std::to_string(input[n - 3]) + "x" + std::to_string(input[n - 2]) + "x" +
         std::to_string(input[n - 1]) + " -> " + std::to_string(output_size_.h) + "x" + std::to_string(output_size_.w);
}

}  // namespace soma::nn
