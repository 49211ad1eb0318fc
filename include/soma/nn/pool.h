// Pooling layers over NCHW images: MaxPool2d, AvgPool2d (PyTorch's nn.MaxPool2d and
// nn.AvgPool2d), GlobalAvgPool2d (nn.AdaptiveAvgPool2d(1)) and AdaptiveAvgPool2d (any output
// size), thin modules over ops/pool.h. They hold no parameters. Not here: dilation.
#pragma once

#include "soma/nn/module.h"
#include "soma/ops/pool.h"

namespace soma::nn {

using soma::Pair;

struct MaxPool2dOptions {
  Pair kernel = 0;         ///< window size: 2 or {2, 3} (required, >= 1)
  Pair stride = 0;         ///< step between windows; 0 (the default) means the kernel
  Pair padding = 0;        ///< -inf padding on each side, at most half the kernel
  bool ceil_mode = false;  ///< round the output size up (PyTorch's rule for the last window)
};

/// Max pooling: nn::MaxPool2d(2) halves H and W; gradient to each window's largest element.
/// NOTE: MaxPool2d({2, 3}) is ambiguous in C++; write MaxPool2d(Pair{2, 3}) or use the options.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options);
  explicit MaxPool2d(Pair kernel) : MaxPool2d(MaxPool2dOptions{.kernel = kernel}) {}

  /// x [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW]. Throws soma::Error naming the layer,
  /// with the arithmetic, when the window does not fit.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }
  /// [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW] without data; throws as forward() does.
  Shape output_shape(const Shape& input) const override;
  /// "input 32x28x28, kernel 2, stride 2, padding 0 -> 14x14" (+ ", ceil_mode").
  std::string shape_arithmetic(const Shape& input) const override;
  const MaxPool2dOptions& options() const { return options_; }

 private:
  MaxPool2dOptions options_;
};

struct AvgPool2dOptions {
  Pair kernel = 0;                ///< window size (required, >= 1)
  Pair stride = 0;                ///< step between windows; 0 (the default) means the kernel
  Pair padding = 0;               ///< zero padding on each side, at most half the kernel
  bool ceil_mode = false;         ///< round the output size up
  bool count_include_pad = true;  ///< divide by the window size including padding (PyTorch's default)
};

/// Average pooling with PyTorch's divisors (see avg_pool2d in ops/pool.h).
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options);
  explicit AvgPool2d(Pair kernel) : AvgPool2d(AvgPool2dOptions{.kernel = kernel}) {}

  /// x [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW]; throws as MaxPool2d does.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AvgPool2d"; }
  /// [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW] without data; throws as forward() does.
  Shape output_shape(const Shape& input) const override;
  /// "input 32x28x28, kernel 2, stride 2, padding 0 -> 14x14" (+ ", ceil_mode").
  std::string shape_arithmetic(const Shape& input) const override;
  const AvgPool2dOptions& options() const { return options_; }

 private:
  AvgPool2dOptions options_;
};

/// The mean of each channel: [N, C, H, W] -> [N, C, 1, 1] (follow with nn::Flatten for [N, C]).
class GlobalAvgPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GlobalAvgPool2d"; }
  Shape output_shape(const Shape& input) const override;
  /// "input 64x7x7 -> 1x1".
  std::string shape_arithmetic(const Shape& input) const override;
};

/// PyTorch's nn.AdaptiveAvgPool2d(output_size): [N, C, H, W] -> [N, C, OH, OW] for any H, W
/// (see adaptive_avg_pool2d in ops/pool.h). torchvision's AlexNet and VGG end their features
/// with one (6x6, 7x7), so their classifiers fit every image size.
///   nn::AdaptiveAvgPool2d(7)  // [N, 512, 1, 1] -> [N, 512, 7, 7]
class AdaptiveAvgPool2d : public Module {
 public:
  /// Throws soma::Error for an output size below 1.
  explicit AdaptiveAvgPool2d(Pair output_size);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  /// [N, C, H, W] (or [C, H, W]) -> [N, C, OH, OW]; throws for another rank or an empty plane.
  Shape output_shape(const Shape& input) const override;
  /// "input 512x1x1 -> 7x7".
  std::string shape_arithmetic(const Shape& input) const override;
  Pair output_size() const { return output_size_; }

 private:
  Pair output_size_;
};

}  // namespace soma::nn
