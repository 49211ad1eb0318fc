// Flatten: merges a range of axes into one (PyTorch's nn.Flatten), the bridge from
// convolution feature maps [N, C, H, W] to dense layers [N, C*H*W]. A view: no copy.
#pragma once

#include "soma/nn/module.h"

namespace soma::nn {

/// Merges axes start..end (inclusive; negative counts from the end). The defaults keep the
/// batch axis: [N, C, H, W] -> [N, C*H*W].
///   nn::Flatten()(x);  nn::Flatten(0)(x) -> [N*C*H*W]
class Flatten : public Module {
 public:
  static constexpr int kDefaultStart = 1;  ///< keeps the batch axis
  static constexpr int kDefaultEnd = -1;
  explicit Flatten(int start = kDefaultStart, int end = kDefaultEnd) : start_(start), end_(end) {}

  /// Throws soma::Error naming the layer when an axis is out of range for x.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  /// Throws as forward() does, without data.
  Shape output_shape(const Shape& input) const override;
  /// "64x7x7 -> 3136": the merged sizes and their product.
  std::string shape_arithmetic(const Shape& input) const override;
  int start() const { return start_; }  ///< as given (negative counts from the end)
  int end() const { return end_; }

 private:
  int start_, end_;
};

}  // namespace soma::nn
