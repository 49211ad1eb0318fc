// Dense (fully connected) layer: y = x W^T + b, weight [out, in] as in PyTorch's Linear.
#pragma once

#include <string>

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::nn {

struct DenseOptions {
  std::int64_t in = 0;   ///< input features (required, > 0)
  std::int64_t out = 0;  ///< output features (required, > 0)
  bool bias = true;      ///< add a learned bias
  DType dtype = DType::f32;  ///< dtype of weight and bias
  /// Keras' kernel_regularizer: a penalty on the weight added to regularization_loss()
  /// (none by default), e.g. .kernel_regularizer = nn::l2(1e-4).
  std::optional<Regularizer> kernel_regularizer = std::nullopt;
  /// Keras' bias_regularizer: a penalty on the bias (none by default; requires bias = true).
  std::optional<Regularizer> bias_regularizer = std::nullopt;
  /// Keras' activation applied to the output: "linear" (none), "relu", "softmax", ...
  /// (nn/activation.h; softmax over the last axis).
  std::string activation = "linear";
};

/// Fully connected layer. Initialized like PyTorch's Linear: weight and bias uniform in
/// ±1/sqrt(in) (Kaiming-uniform with a = sqrt(5)), drawn from `gen`. Throws soma::Error for
/// in or out <= 0, for a bias_regularizer without a bias, and for an unknown activation.
///   nn::Dense fc(784, 256);  auto y = fc(x);  // x [N, 784] -> y [N, 256]
///   nn::Dense hidden({.in = 784, .out = 32, .activation = "relu"});  // Keras' Dense(32, activation="relu")
class Dense : public Module {
 public:
  explicit Dense(const DenseOptions& options, Generator& gen = default_generator());
  Dense(std::int64_t in, std::int64_t out, Generator& gen = default_generator())
      : Dense(DenseOptions{.in = in, .out = out}, gen) {}

  /// x [..., in] -> [..., out]. Throws soma::Error when x's last axis is not `in`.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dense"; }
  /// [..., in] -> [..., out]; throws as forward() does, without data.
  Shape output_shape(const Shape& input) const override;
  /// in * out multiply-adds for each row of `input` (bias additions are not counted).
  std::int64_t flops(const Shape& input) const override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  ///< undefined without bias
  const DenseOptions& options() const { return options_; }

 private:
  DenseOptions options_;
  Tensor weight_, bias_;
};

}  // namespace soma::nn
