// LocalResponseNorm: AlexNet's across-channel normalization as a layer (PyTorch's
// nn.LocalResponseNorm), a thin module over ops/local_response_norm.h. No parameters.
#pragma once

#include "soma/nn/module.h"

namespace soma::nn {

struct LocalResponseNormOptions {
  std::int64_t size = 0;  ///< neighbouring channels summed over (required, >= 1)
  double alpha = 1e-4;    ///< multiplies the mean of the squares (PyTorch's default)
  double beta = 0.75;     ///< the exponent
  double k = 1.0;         ///< added before the power (PyTorch's default; AlexNet's paper uses 2)
};

/// y = x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta, for
/// [N, C, ...] inputs; PyTorch's nn.LocalResponseNorm(size, alpha, beta, k).
///   nn::LocalResponseNorm lrn({.size = 5, .alpha = 1e-4, .beta = 0.75, .k = 2});  // AlexNet's
/// Throws soma::Error at construction for size < 1 or k <= 0, and in forward (naming the
/// layer) for an input of rank below 3.
class LocalResponseNorm : public Module {
 public:
  explicit LocalResponseNorm(const LocalResponseNormOptions& options);
  explicit LocalResponseNorm(std::int64_t size) : LocalResponseNorm(LocalResponseNormOptions{.size = size}) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LocalResponseNorm"; }
  /// The input's shape; throws for a rank below 3.
  Shape output_shape(const Shape& input) const override;
  const LocalResponseNormOptions& options() const { return options_; }

 private:
  LocalResponseNormOptions options_;
};

}  // namespace soma::nn
