// Dropout layer: inverted dropout (Srivastava et al. 2014) in training mode, the identity in
// evaluation mode. A thin module over ops/dropout.h; the mask comes from the Generator
// given at construction.
#pragma once

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::nn {

/// Zeroes each element with probability p while training and scales the kept ones by
/// 1/(1 - p); passes x through unchanged after eval(). Like PyTorch's nn.Dropout(p).
///   nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dropout(0.3), nn::Dense(256, 10)};
/// `p` (default 0.5) must be in [0, 1] (1 drops everything); throws soma::Error otherwise.
/// `gen` (default: default_generator()) supplies every mask and must outlive the layer.
class Dropout : public Module {
 public:
  static constexpr double kDefaultP = 0.5;
  explicit Dropout(double p = kDefaultP, Generator& gen = default_generator());

  /// Any shape; the output has x's shape.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  Shape output_shape(const Shape& input) const override { return input; }

  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace soma::nn
