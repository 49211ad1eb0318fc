// Conv2d: the 2-D convolution layer over NCHW images (PyTorch's nn.Conv2d), a thin module
// over ops/conv.h that owns the weight [out, in / groups, kH, kW] and the bias [out].
// Not here: transposed convolution, padding modes other than zeros.
#pragma once

#include <string>

#include "soma/core/generator.h"
#include "soma/nn/module.h"
#include "soma/ops/conv.h"

namespace soma::nn {

// The window types of ops/window.h, so that layer options read nn::Padding::same.
using soma::Pair;
using soma::Padding;

struct Conv2dOptions {
  std::int64_t in = 0;      ///< input channels (required, > 0, divisible by groups)
  std::int64_t out = 0;     ///< output channels (required, > 0, divisible by groups)
  Pair kernel = 0;          ///< kernel size: 3 or {3, 5} (required, >= 1)
  Pair stride = 1;          ///< step between output positions
  Padding padding = 0;      ///< zeros around the input: 1, {1, 2}, Padding::same (stride 1) or Padding::valid
  Pair dilation = 1;        ///< spacing between kernel taps
  std::int64_t groups = 1;  ///< channels split into independent groups
  bool bias = true;         ///< add a learned bias per output channel
  DType dtype = DType::f32;
  /// Keras' activation applied to the output: "linear" (none), "relu", ... (nn/activation.h;
  /// softmax over the channels, axis 1, as Keras' channels-last softmax).
  std::string activation = "linear";
};

/// 2-D convolution layer. Initialized like PyTorch's Conv2d: weight and bias uniform in
/// ±1/sqrt(fan_in), fan_in = in / groups * kH * kW (Kaiming-uniform with a = sqrt(5)), drawn
/// from `gen` (weight first, then bias).
///   nn::Conv2d conv({.in = 1, .out = 32, .kernel = 3, .padding = 1});
///   Tensor y = conv(x);  // x [N, 1, 28, 28] -> y [N, 32, 28, 28]
/// Throws soma::Error at construction for sizes < 1, channels not divisible by groups,
/// Padding::same with a stride other than 1, or an unknown activation.
class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options, Generator& gen = default_generator());

  /// x [N, in, H, W] (or [in, H, W]) -> [N, out, OH, OW]. Throws soma::Error naming the layer
  /// when the channels differ or the input is too small for the kernel (with the arithmetic).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  /// [N, in, H, W] (or [in, H, W]) -> [N, out, OH, OW] with OH = (H + pad_top + pad_bottom -
  /// dilation (kH - 1) - 1) / stride + 1 (rounded down; likewise OW), without data. Throws as
  /// forward() does.
  Shape output_shape(const Shape& input) const override;
  /// "input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12" (+ dilation and groups when not 1).
  std::string shape_arithmetic(const Shape& input) const override;
  /// out * OH * OW * (in / groups) * kH * kW per image (bias additions are not counted).
  std::int64_t flops(const Shape& input) const override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  ///< undefined without bias
  const Conv2dOptions& options() const { return options_; }

 private:
  std::string describe() const;

  Conv2dOptions options_;
  Conv2dParams params_;
  Tensor weight_, bias_;
};

}  // namespace soma::nn
