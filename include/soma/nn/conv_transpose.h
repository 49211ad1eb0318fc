// ConvTranspose2d: the transposed 2-D convolution layer (PyTorch's nn.ConvTranspose2d), a thin
// module over ops/conv_transpose.h that owns the weight [in, out / groups, kH, kW] and the bias
// [out]. The upsampling layer of DCGAN generators and convolutional decoders.
// Not here: forward(x, output_size), padding modes other than zeros.
#pragma once

#include "soma/core/generator.h"
#include "soma/nn/module.h"
#include "soma/ops/conv_transpose.h"

namespace soma::nn {

using soma::Pair;

struct ConvTranspose2dOptions {
  std::int64_t in = 0;      ///< input channels (required, > 0, divisible by groups)
  std::int64_t out = 0;     ///< output channels (required, > 0, divisible by groups)
  Pair kernel = 0;          ///< kernel size: 4 or {4, 3} (required, >= 1)
  Pair stride = 1;          ///< the upsampling factor
  Pair padding = 0;         ///< rows/columns cut from each side of the output
  Pair output_padding = 0;  ///< extra rows/columns at the bottom/right, < stride or < dilation
  std::int64_t groups = 1;  ///< channels split into independent groups
  bool bias = true;         ///< add a learned bias per output channel
  Pair dilation = 1;        ///< spacing between kernel taps
  DType dtype = DType::f32;
};

/// Transposed 2-D convolution layer. Initialized like PyTorch's ConvTranspose2d: weight and
/// bias uniform in ±1/sqrt(fan_in) with fan_in = out / groups * kH * kW (PyTorch computes it
/// from the weight's second size), drawn from `gen` (weight first, then bias).
///   nn::ConvTranspose2d up(128, 64, 4, {.stride = 2, .padding = 1});  // [N,128,7,7] -> [N,64,14,14]
///   nn::ConvTranspose2d up({.in = 128, .out = 64, .kernel = 4, .stride = 2, .padding = 1});
/// Throws soma::Error at construction for sizes out of range, channels not divisible by groups,
/// or output_padding not smaller than stride or dilation.
class ConvTranspose2d : public Module {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options, Generator& gen = default_generator());
  /// in, out and kernel given here (they replace the options' fields).
  ConvTranspose2d(std::int64_t in, std::int64_t out, Pair kernel, ConvTranspose2dOptions options = {},
                  Generator& gen = default_generator());

  /// x [N, in, H, W] (or [in, H, W]) -> [N, out, OH, OW], OH = (H - 1) stride - 2 padding +
  /// dilation (kernel - 1) + output_padding + 1. Throws soma::Error naming the layer when the
  /// channels differ or the output would be empty (with the arithmetic).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  /// [N, in, H, W] -> [N, out, OH, OW] by the formula above, without data; throws as forward
  /// does, with the arithmetic (docs/models.md).
  Shape output_shape(const Shape& input) const override;
  /// "input 64x7x7, kernel 4, stride 2, padding 1, output_padding 0 -> 14x14".
  std::string shape_arithmetic(const Shape& input) const override;
  /// Every input pixel meets every tap of its group: in * H * W * out/groups * kH * kW per
  /// image (taps that padding cuts off included).
  std::int64_t flops(const Shape& input) const override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  ///< undefined without bias
  const ConvTranspose2dOptions& options() const { return options_; }

 private:
  std::string describe() const;

  ConvTranspose2dOptions options_;
  ConvTranspose2dParams params_;
  Tensor weight_, bias_;
};

}  // namespace soma::nn
