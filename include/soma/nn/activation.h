// Activation layers: thin modules over the functions in ops/activation.h. Each keeps its
// input's shape (output_shape returns it; Softmax and LogSoftmax check their axis).
#pragma once

#include <string>
#include <vector>

#include "soma/nn/module.h"

namespace soma::nn {

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
  Shape output_shape(const Shape& input) const override { return input; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
  Shape output_shape(const Shape& input) const override { return input; }
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
  Shape output_shape(const Shape& input) const override { return input; }
};

class LeakyReLU : public Module {
 public:
  static constexpr double kDefaultNegativeSlope = 0.01;  ///< PyTorch's
  explicit LeakyReLU(double negative_slope = kDefaultNegativeSlope) : slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }
  Shape output_shape(const Shape& input) const override { return input; }
  double negative_slope() const { return slope_; }

 private:
  double slope_;
};

/// The perceptron's step: 1 where x >= at, else 0 (forward only).
class Threshold : public Module {
 public:
  static constexpr double kDefaultAt = 0;
  explicit Threshold(double at = kDefaultAt) : at_(at) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Threshold"; }
  Shape output_shape(const Shape& input) const override { return input; }
  double at() const { return at_; }

 private:
  double at_;
};

class Softmax : public Module {
 public:
  static constexpr int kDefaultAxis = -1;  ///< the last axis
  explicit Softmax(int axis = kDefaultAxis) : axis_(axis) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Softmax"; }
  /// The input's shape; throws soma::Error when the axis is out of range for it.
  Shape output_shape(const Shape& input) const override;
  int axis() const { return axis_; }  ///< as given (negative counts from the end)

 private:
  int axis_;
};

class LogSoftmax : public Module {
 public:
  static constexpr int kDefaultAxis = -1;  ///< the last axis
  explicit LogSoftmax(int axis = kDefaultAxis) : axis_(axis) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LogSoftmax"; }
  /// The input's shape; throws soma::Error when the axis is out of range for it.
  Shape output_shape(const Shape& input) const override;
  int axis() const { return axis_; }  ///< as given (negative counts from the end)

 private:
  int axis_;
};

/// Keras' `activation` argument of Dense and Conv2d: the function, by name, that the layer
/// applies to its output. "linear" (none: the default), "relu", "sigmoid", "tanh",
/// "softmax" and "log_softmax" (over `axis`), and "leaky_relu" (Keras' slope 0.2, not
/// PyTorch's 0.01).
const std::vector<std::string>& activation_names();
/// The slope for x < 0 of the "leaky_relu" name: keras.activations.leaky_relu's default.
inline constexpr double kKerasLeakySlope = 0.2;
/// Throws soma::Error naming `layer`, the name and the known names unless `name` is one of them.
void check_activation(const std::string& layer, const std::string& name);
/// `name` applied to x; softmax and log_softmax normalize over `axis`.
Tensor activate(const std::string& name, const Tensor& x, int axis = -1);

/// The function a model's output ends with, by the names above: a final Sigmoid, Softmax or
/// LogSoftmax layer, or the `activation` of a final Dense or Conv2d (of the last layer of a
/// Sequential, nested ones included); "linear" when it ends in none of these. The Trainer
/// uses it to refuse a loss that would apply softmax or sigmoid a second time.
std::string output_activation(const Module& model);

}  // namespace soma::nn
