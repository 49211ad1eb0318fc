// Upsample: resizing images by interpolation as a layer (PyTorch's nn.Upsample), a thin module
// over ops/upsample.h with no parameters. Not here: the modes ops/upsample.h lacks.
#pragma once

#include "soma/nn/module.h"
#include "soma/ops/upsample.h"

namespace soma::nn {

using soma::Scale;
using soma::UpsampleMode;

/// Exactly one of .size and .scale_factor; .mode nearest (the default) or bilinear.
using UpsampleOptions = UpsampleParams;

/// Resizes [N, C, H, W] images:
///   nn::Upsample up({.scale_factor = 2});                                  // nearest, 14x14 -> 28x28
///   nn::Upsample up({.size = {7, 9}, .mode = nn::UpsampleMode::bilinear, .align_corners = true});
/// Throws soma::Error at construction when the options break ops/upsample.h's rules.
class Upsample : public Module {
 public:
  explicit Upsample(const UpsampleOptions& options);

  /// x [N, C, H, W] -> [N, C, OH, OW]; errors name the layer.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Upsample"; }
  /// [N, C, H, W] -> [N, C, OH, OW]: the size, or floor(H * scale_factor) x floor(W * ...).
  Shape output_shape(const Shape& input) const override;
  /// "input 16x7x7, scale_factor 2 -> 14x14" or "input 16x5x5, size 7x9 -> 7x9". FLOPs: none
  /// (interpolation counts none, as pooling).
  std::string shape_arithmetic(const Shape& input) const override;
  const UpsampleOptions& options() const { return options_; }

 private:
  UpsampleOptions options_;
};

}  // namespace soma::nn
