// Pooling layers: options checked when the layer is built, errors prefixed with the layer.
#include "soma/nn/pool.h"

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

}  // namespace

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

}  // namespace soma::nn
