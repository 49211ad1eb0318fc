// TimeDistributed: applies a layer to every time step of [N, T, ...] (Keras' TimeDistributed).
// NOTE: nn::Dense already applies to the last axis of any shape ([N, T, F] -> [N, T, out]),
// so a per-step Dense needs no wrapper; this is for layers that expect a plain batch, such as
// Conv2d on [N, T, C, H, W].
#pragma once

#include <memory>

#include "soma/nn/module.h"

namespace soma::nn {

/// Folds time into the batch, runs `layer` once on [N * T, ...] and unfolds the result to
/// [N, T, ...]. The wrapped layer's parameters are named "layer.<name>".
///   nn::TimeDistributed td(nn::Conv2d({.in = 1, .out = 4, .kernel = 3}));  // [N, T, 1, 8, 8] -> [N, T, 4, 6, 6]
/// Throws soma::Error naming the layer for an input of fewer than 3 dimensions.
class TimeDistributed : public Module {
 public:
  explicit TimeDistributed(std::shared_ptr<Module> layer);
  template <std::derived_from<Module> Layer>
  explicit TimeDistributed(Layer layer) : TimeDistributed(std::make_shared<Layer>(std::move(layer))) {}

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "TimeDistributed"; }
  /// [N, T, ...] -> [N, T, ...'] from the layer's own output_shape of [N * T, ...]. Throws
  /// naming this layer and the folded shape, before the layer's message.
  Shape output_shape(const Shape& input) const override;
  /// The layer's arithmetic for one step, e.g. "each of 5 steps: input 1x8x8, kernel 3, ...".
  std::string shape_arithmetic(const Shape& input) const override;
  /// The layer's multiply-adds over the N * T folded samples.
  std::int64_t flops(const Shape& input) const override;
  Module& layer() const { return *layer_; }

 private:
  Shape folded(const Shape& input) const;  // [N, T, ...] -> [N * T, ...], checked

  std::shared_ptr<Module> layer_;
};

}  // namespace soma::nn
